/**
 * deploy/: every overlay builds with kustomize (kubectl's) and every object validates against
 * the Kubernetes schemas (kubernetes-models, offline); generated files are current; the RBAC
 * grants exactly the calls the code makes against the fake API server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { dashboardsYaml, prometheusRuleYaml } from '../../deploy/src/monitoring.js';
import { ConfigMapBaselineStore } from '../../src/baselines/configmap-store.js';
import { loadOrCreateCa } from '../../src/k8s/ca-secret.js';
import { watchCompletion } from '../../src/k8s/completion.js';
import { injectPod } from '../../src/k8s/inject.js';
import { PodSignaller } from '../../src/k8s/signal.js';
import { patchCaBundle } from '../../src/k8s/webhook-server.js';
import { LineDecoder } from '../../src/line/decoder.js';
import { K8sLogSource } from '../../src/sources/k8s-logs.js';
import { ROOT, waitFor } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';
import { granted } from './rbac.js';

const OVERLAYS = ['time-slicing', 'monitoring', 'experiment', 'cert-manager', 'guard', 'mig'];
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

interface Obj {
  apiVersion: string;
  kind: string;
  metadata?: { name?: string };
}

function build(overlay: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', `${ROOT}deploy/overlays/${overlay}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
}

/** The kubernetes-models class for an object's apiVersion and kind. */
async function modelOf(o: Obj): Promise<new (data: unknown) => { validate(): void }> {
  const [group, version] = o.apiVersion.includes('/') ? o.apiVersion.split('/') : ['', o.apiVersion];
  const pkg =
    group === 'monitoring.coreos.com'
      ? '@kubernetes-models/prometheus-operator'
      : group?.endsWith('cert-manager.io')
        ? '@kubernetes-models/cert-manager'
        : 'kubernetes-models';
  const path = group === '' ? `${pkg}/${version}/${o.kind}` : `${pkg}/${group}/${version}/${o.kind}`;
  const mod = (await import(path)) as Record<string, new (data: unknown) => { validate(): void }>;
  const cls = mod[o.kind];
  if (cls === undefined) throw new Error(`no schema for ${o.apiVersion} ${o.kind}`);
  return cls;
}

describe('deploy/ bundle', { skip: hasKubectl ? false : 'kubectl (kustomize) not installed (.ci/run installs it)' }, () => {
  for (const overlay of OVERLAYS) {
    it(`overlay ${overlay} builds and every object validates against its schema`, async () => {
      const objs = build(overlay);
      assert.ok(objs.length > 0);
      for (const o of objs) {
        const Model = await modelOf(o);
        assert.doesNotThrow(() => new Model(o).validate(), `${o.kind}/${o.metadata?.name}`);
      }
      const kinds = new Set(objs.map((o) => o.kind));
      for (const k of ['Deployment', 'Service', 'MutatingWebhookConfiguration', 'PodDisruptionBudget', 'ClusterRole'])
        assert.ok(kinds.has(k), `${overlay}: ${k}`);
    });
  }

  it('the mig overlay: mixed strategy, and every layout fits an H100 80GB (7 compute, 8 memory slices)', () => {
    const objs = build('mig') as (Obj & { data?: Record<string, string> })[];
    const plugin = objs.find((o) => o.kind === 'ConfigMap' && o.metadata?.name === 'nvidia-device-plugin-mig');
    assert.match(plugin?.data?.any ?? '', /migStrategy: mixed/);
    const parted = parse(objs.find((o) => o.metadata?.name === 'kts-mig-parted-config')?.data?.['config.yaml'] ?? '') as {
      'mig-configs': Record<string, { 'mig-enabled': boolean; 'mig-devices'?: Record<string, number> }[]>;
    };
    // H100 80GB profiles: compute slices, memory eighths
    const H100: Record<string, [number, number]> = {
      '1g.10gb': [1, 1],
      '1g.20gb': [1, 2],
      '2g.20gb': [2, 2],
      '3g.40gb': [3, 4],
      '4g.40gb': [4, 4],
      '7g.80gb': [7, 8],
    };
    for (const [name, layout] of Object.entries(parted['mig-configs'])) {
      for (const part of layout) {
        let compute = 0;
        let memory = 0;
        for (const [profile, n] of Object.entries(part['mig-devices'] ?? {})) {
          const cost = H100[profile];
          assert.ok(cost !== undefined, `${name}: ${profile} is an H100 80GB profile`);
          compute += cost[0] * n;
          memory += cost[1] * n;
        }
        assert.ok(compute <= 7 && memory <= 8, `${name}: ${compute}/7 compute, ${memory}/8 memory`);
      }
    }
    assert.equal(parted['mig-configs']['kts-gold']?.[0]?.['mig-devices']?.['3g.40gb'], 1, 'one gold slice');
    // a pod asking for a slice counts as a GPU pod for the injector
    const pod = {
      metadata: { name: 'p' },
      spec: { containers: [{ name: 'app', resources: { limits: { 'nvidia.com/mig-3g.40gb': '1' } } }] },
    };
    assert.equal(injectPod(pod, { image: 'x', serverMinor: 30 }).injected, true);
  });

  it('the monitoring overlay carries the current rules and dashboards', () => {
    const dir = `${ROOT}deploy/overlays/monitoring`;
    assert.equal(readFileSync(`${dir}/prometheus-rule.yaml`, 'utf8'), prometheusRuleYaml(ROOT), 'run `npm run deploy:generate`');
    assert.equal(readFileSync(`${dir}/dashboards.yaml`, 'utf8'), dashboardsYaml(), 'run `npm run deploy:generate`');
    const kinds = build('monitoring').map((o) => o.kind);
    assert.ok(kinds.includes('PodMonitor') && kinds.includes('PrometheusRule'));
  });
});

describe('RBAC against the calls the code makes', () => {
  const api = new FakeKubeApi();
  let kc: KubeConfig;
  before(async () => {
    await api.start();
    kc = api.kubeConfig();
  });
  after(() => api.stop());

  it("the sidecar's ClusterRole grants exactly what its API calls need", async () => {
    api.addPod('gpu', 'fft-0', { spec: { containers: [{ name: 'app' }] } });
    api.appendLog('gpu', 'fft-0', 'app', ['KTS_APP,v1,FFT,0,1,2,0.1,']);
    const decoder = new LineDecoder(() => undefined);
    const logs = new K8sLogSource(kc, { namespace: 'gpu', name: 'fft-0' }, 'app', decoder);
    await logs.start();
    await waitFor(() => logs.status.up, 5000, 'log stream');
    await logs.stop();
    const core = kc.makeApiClient(CoreV1Api);
    const store = new ConfigMapBaselineStore(kc, core, 'gpu', 'kts-baselines', 'baseline.json');
    await store.load();
    const doc = { version: 1 as const, profiles: [] };
    await store.write({ ...doc, profiles: [] } as never).catch(() => undefined);
    await store.write({ ...doc, profiles: [] } as never).catch(() => undefined);
    const stop = store.watch(
      () => undefined,
      () => undefined,
    );
    await waitFor(() => api.callsFor('configmaps').some((c) => c.verb === 'watch'), 5000, 'watch');
    stop();
    const stopCompletion = watchCompletion(
      core,
      { namespace: 'gpu', name: 'fft-0' },
      'app',
      () => undefined,
      () => undefined,
      10,
    );
    await waitFor(() => api.callsFor('pods').some((c) => c.verb === 'get'), 5000, 'own pod read (--exit-with)');
    stopCompletion();
    const signaller = new PodSignaller(core, { namespace: 'gpu', name: 'fft-0' }, () => undefined);
    await signaller.update([
      { workload: 'FFT', df: { device: 1, wall: 2 }, p99Ms: { device: 1, wall: 2 }, thresholds: { warning: 1.2, critical: 1.5 } },
    ]);
    const used = new Set(api.calls.filter((c) => c.resource !== 'pods' || c.verb !== 'create').map((c) => `${c.verb} ${c.resource}`));
    assert.deepEqual([...used].sort(), [...granted(`${ROOT}deploy/base/sidecar-rbac.yaml`, 'kts-sidecar')].sort());
  });

  it("the webhook's roles grant exactly the shared CA Secret and the caBundle update", async () => {
    api.calls.length = 0;
    api.webhookConfigs.set('kts-sidecar-injector', {
      metadata: { name: 'kts-sidecar-injector' },
      webhooks: [{ name: 'pods.kts.dev', clientConfig: {} }],
    });
    await loadOrCreateCa(kc, 'kts-system', 'kts-webhook-ca');
    await loadOrCreateCa(kc, 'kts-system', 'kts-webhook-ca');
    await patchCaBundle(kc, 'kts-sidecar-injector', 'PEM');
    const used = new Set(api.calls.map((c) => `${c.verb} ${c.resource}`));
    assert.deepEqual([...used].sort(), [...granted(`${ROOT}deploy/base/webhook-rbac.yaml`, 'kts-webhook')].sort());
  });
});
