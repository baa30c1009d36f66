/**
 * The sidecar never loads @kubernetes/client-node (about 30 MB of resident memory): a static
 * scan of the compiled import graph (static and dynamic imports) from `kts serve`'s modules.
 * tsc erases `import type`, so what is left in dist/ is what Node loads. And the bundled
 * sidecar (what the image runs) works against the fake API server with a kubeconfig.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { BUNDLE, H100, ROOT, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

const SRC = join(ROOT, 'dist/src');
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"]([^'"]+)['"]/g;

/** Every module reachable from `entries` (paths under dist/src) and the packages each one imports. */
function reach(entries: readonly string[]): Map<string, string[]> {
  const packages = new Map<string, string[]>();
  const todo = entries.map((e) => join(SRC, e));
  while (todo.length > 0) {
    const file = todo.pop() as string;
    if (packages.has(file)) continue;
    const text = readFileSync(file, 'utf8');
    const bare: string[] = [];
    for (const m of text.matchAll(SPECIFIER)) {
      const spec = m[1] as string;
      if (spec.startsWith('.')) {
        const target = join(dirname(file), spec);
        assert.ok(existsSync(target), `${relative(SRC, file)} imports ${spec}, which is not there`);
        todo.push(target);
      } else bare.push(spec);
    }
    packages.set(file, bare);
  }
  return packages;
}

const importers = (graph: Map<string, string[]>, pkg: string): string[] =>
  [...graph].filter(([, bare]) => bare.some((b) => b === pkg || b.startsWith(`${pkg}/`))).map(([f]) => relative(SRC, f));

describe('the sidecar does not load @kubernetes/client-node', () => {
  it('nothing reachable from serve/kube.js, serve/runtime.js or cli/serve.js imports it', () => {
    const graph = reach(['serve/kube.js', 'serve/runtime.js', 'cli/serve.js']);
    const files = [...graph.keys()].map((f) => relative(SRC, f));
    // The scan follows the imports: the sidecar's client and its users are in the graph.
    for (const f of ['k8s/rest.js', 'k8s/rest-config.js', 'k8s/sidecar-api.js', 'k8s/signal.js', 'sources/k8s-logs.js']) {
      assert.ok(files.includes(f), `${f} reached`);
    }
    assert.deepEqual(importers(graph, '@kubernetes/client-node'), []);
    assert.deepEqual(importers(graph, 'undici'), []);
    // Nor the built-in undici through global fetch (about 17 MB), in the Kubernetes part of it.
    const fetching = files.filter(
      (f) => (f.startsWith('k8s/') || f === 'serve/kube.js') && /\bfetch\(/.test(readFileSync(join(SRC, f), 'utf8')),
    );
    assert.deepEqual(fetching, []);
  });

  it('while the cluster-wide components keep it (the scan sees it where it is)', () => {
    assert.deepEqual(importers(reach(['k8s/client.js']), '@kubernetes/client-node'), ['k8s/client.js']);
    assert.ok(importers(reach(['guard/server.js']), '@kubernetes/client-node').includes('guard/server.js'));
  });
});

describe('the bundled sidecar with a kubeconfig', () => {
  const api = new FakeKubeApi();
  let serve: ServeProcess | undefined;
  before(async () => {
    assert.ok(existsSync(BUNDLE), `${BUNDLE} is missing: run npm test (it bundles before testing)`);
    await api.start();
    api.addPod('gpu', 'fft-0', { spec: { containers: [{ name: 'app' }, { name: 'kts' }] } });
    const lines = readFileSync(`${H100}/solo-fft.log`, 'utf8').trimEnd().split('\n');
    api.appendLog('gpu', 'fft-0', 'app', lines);
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await api.stop();
  });

  it('follows the pod log through the API', async () => {
    const env = {
      KUBECONFIG: api.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kts-lean-')), 'gpu'),
      POD_NAME: 'fft-0',
      POD_NAMESPACE: 'gpu',
    };
    serve = await startServeProcess(['--source', 'k8s-logs:app', '--dcgm-url', 'none'], env, [BUNDLE]);
    const url = serve.url;
    await scrapeUntil(url, (t) => series(t, 'kts_samples_total', { workload: 'FFT' }) === 590, 10_000, 'samples from the log');
    assert.equal(api.callsFor('pods/log')[0]?.auth, 'Bearer fake-token');
  });
});
