/**
 * The sidecar/webhook image built for real (issue 18): `scripts/image.sh` assembles its root
 * filesystem from registry packages and buildah builds the Containerfile; podman (runtime runc)
 * starts it as the numeric non-root user, read-only, with every capability dropped: the real
 * Prometheus scrapes its /metrics, it answers `kts webhook review`, and its RSS stays under the
 * memory limit the injector sets. Needs buildah, podman and runc (.ci/run installs them; in CI,
 * KTS_CI=1, their absence fails the test).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ROOT } from '../helpers.js';
import { freePort, installed, Stack } from '../integration/stack.js';

const TOOLS = ['buildah', 'podman', 'runc'];
const have = TOOLS.every((t) => spawnSync(t, ['--version'], { encoding: 'utf8' }).status === 0);
const inCi = process.env.KTS_CI === '1';
const IMAGE = 'localhost/kts-exporter:test';
/** The sidecar's memory limit in the injected pod (src/k8s/inject.ts). */
const LIMIT_BYTES = 160 * 2 ** 20;

describe('the sidecar image, built with buildah and run with podman', {
  skip: have || inCi ? false : `${TOOLS.join(', ')} not installed (.ci/run installs them)`,
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-image-'));
  // podman on these machines: runc (crun fails on hybrid cgroups) and no default ulimits.
  const conf = join(dir, 'containers.conf');
  writeFileSync(conf, '[containers]\ndefault_ulimits = []\n');
  const env = { ...process.env, CONTAINERS_CONF: conf };
  const podman = (args: string[], input?: string) =>
    spawnSync('podman', ['--storage-driver', 'vfs', ...args], { encoding: 'utf8', env, ...(input !== undefined ? { input } : {}) });
  const locked = ['--runtime', 'runc', '--user', '65532:65532', '--read-only', '--cap-drop', 'ALL', '--security-opt', 'no-new-privileges'];
  let built: { image: string; digest: string; size: string; oci_archive_bytes: number };
  const names: string[] = [];

  before(() => {
    assert.ok(have, `${TOOLS.join(', ')} must be installed`);
    const r = spawnSync('bash', [join(ROOT, 'scripts/image.sh')], { cwd: ROOT, encoding: 'utf8', env: { ...env, IMAGE } });
    assert.equal(r.status, 0, `scripts/image.sh: ${r.stderr}`);
    built = JSON.parse(readFileSync(join(ROOT, 'out/image/image.json'), 'utf8')) as typeof built;
  });
  after(() => {
    for (const n of names) podman(['rm', '-f', n]);
  });

  it('is an OCI archive with a digest, from scratch: no shell, Node and the bundle only', (t) => {
    t.diagnostic(JSON.stringify(built));
    assert.match(built.digest, /^sha256:[0-9a-f]{64}$/);
    assert.ok(built.oci_archive_bytes > 10_000_000);
    const cfg = JSON.parse(
      spawnSync('buildah', ['--storage-driver', 'vfs', 'inspect', '--type', 'image', IMAGE], { encoding: 'utf8', env }).stdout,
    ) as { OCIv1: { config: { User: string; Entrypoint: string[] } } };
    assert.equal(cfg.OCIv1.config.User, '65532:65532');
    assert.deepEqual(cfg.OCIv1.config.Entrypoint, ['/usr/local/bin/node', '/app/dist/bundle/cli.js']);
    const sh = podman(['run', '--rm', '--network', 'none', ...locked, '--entrypoint', '/bin/sh', IMAGE, '-c', 'true']);
    assert.notEqual(sh.status, 0, 'no shell in the image');
  });

  it('has a CycloneDX SBOM of its npm and Debian contents and its Node binary', () => {
    const bom = JSON.parse(readFileSync(join(ROOT, 'out/image/sbom.cdx.json'), 'utf8')) as {
      bomFormat: string;
      specVersion: string;
      components: { name: string; purl?: string }[];
    };
    assert.equal(bom.bomFormat, 'CycloneDX');
    const purls = bom.components.map((c) => c.purl ?? '');
    for (const want of [
      /^pkg:deb\/debian\/libc6@/,
      /^pkg:deb\/debian\/libstdc%2B%2B6@/,
      /^pkg:npm\/node-linux-(x64|arm64)@24\./,
      /^pkg:npm\/prom-client@/,
      /^pkg:npm\/vega@/,
    ])
      assert.ok(
        purls.some((p) => want.test(p)),
        String(want),
      );
  });

  it('answers kts webhook review, non-root and read-only', () => {
    const review = readFileSync(join(ROOT, 'test/k8s/fixtures/gpu-pod-review.json'), 'utf8');
    const r = podman(['run', '--rm', '-i', '--network', 'none', ...locked, IMAGE, 'webhook', 'review', '-'], review);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /"patchType": "JSONPatch"/);
  });

  it('serves /metrics to the real Prometheus within the memory limit', {
    skip: installed('prometheus', 'prometheus-alertmanager') ? false : 'prometheus not installed',
  }, async (t) => {
    const logs = mkdtempSync(join(tmpdir(), 'kts-image-logs-'));
    chmodSync(logs, 0o755);
    const log = join(logs, 'app.log');
    writeFileSync(log, '');
    chmodSync(log, 0o644);
    const port = await freePort();
    const name = `kts-image-test-${process.pid}`;
    names.push(name);
    const run = podman([
      'run',
      '-d',
      '--name',
      name,
      '--network',
      'host',
      ...locked,
      '-v',
      `${logs}:/logs:ro`,
      IMAGE,
      'serve',
      '--source',
      'file:/logs/app.log',
      '--listen',
      `127.0.0.1:${port}`,
      '--dcgm-url',
      'none',
    ]);
    assert.equal(run.status, 0, run.stderr);
    const stack = new Stack(mkdtempSync(join(tmpdir(), 'kts-image-prom-')));
    try {
      await stack.start([]);
      stack.setTargets([{ address: `127.0.0.1:${port}`, labels: { namespace: 'gpu', pod: 'fft-0' } }]);
      writeFileSync(log, readFileSync(join(ROOT, 'test/fixtures/h100-2026-11-22/shared-fft.log')));
      await stack.until(
        async () => (await stack.query('kts_samples_total{workload="FFT"}')).data.result[0]?.value[1] === '590',
        30_000,
        'Prometheus to scrape 590 samples from the container',
      );
      const pid = podman(['inspect', '-f', '{{.State.Pid}}', name]).stdout.trim();
      const status = readFileSync(`/proc/${pid}/status`, 'utf8');
      assert.match(status, /^Uid:\s+65532\s/m, 'runs as 65532');
      const rss = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? 0) * 1024;
      t.diagnostic(`container RSS ${(rss / 2 ** 20).toFixed(1)} MiB after 590 lines and the scrapes`);
      assert.ok(rss > 0 && rss < LIMIT_BYTES, `RSS ${rss}`);
    } finally {
      await stack.stop();
      podman(['rm', '-f', name]);
    }
  });
});
