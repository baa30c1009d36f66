/**
 * deploy/: every overlay builds with kustomize (kubectl's) and every object validates against
 * the Kubernetes schemas (kubernetes-models, offline); generated files are current; the RBAC
 * grants exactly the calls the code makes against the fake API server.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { dashboardsYaml, prometheusRuleYaml } from '../../deploy/src/monitoring.js';
import { injectPod } from '../../src/k8s/inject.js';
import { ROOT } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';
import { sidecarCalls, webhookCalls } from './calls.js';
import { granted } from './rbac.js';
import { type K8sObj, modelOf } from './schemas.js';

const OVERLAYS = ['time-slicing', 'monitoring', 'experiment', 'cert-manager', 'guard', 'mig'];
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;

type Obj = K8sObj;

function build(overlay: string): Obj[] {
  const r = spawnSync('kubectl', ['kustomize', `${ROOT}deploy/overlays/${overlay}`], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  return parseAllDocuments(r.stdout).map((d) => d.toJS() as Obj);
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

  it("the README's kustomization for your own image sets the containers' image and the image the webhook injects", async () => {
    const readme = readFileSync(`${ROOT}README.md`, 'utf8');
    const block = /To use your image[\s\S]*?```yaml\n([\s\S]*?)```/.exec(readme)?.[1];
    assert.ok(block !== undefined, 'the README has the kustomization');
    // laid out as the README has it: the clone beside your kustomization
    const top = await mkdtemp(join(tmpdir(), 'kts-kustomize-'));
    await symlink(ROOT, join(top, 'kts-exporter'));
    const dir = join(top, 'mine');
    await mkdir(dir);
    await writeFile(join(dir, 'kustomization.yaml'), block);
    const r = spawnSync('kubectl', ['kustomize', dir], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const webhook = parseAllDocuments(r.stdout)
      .map((d) => d.toJS() as Obj & { spec?: { template?: { spec?: { containers?: { image: string; args: string[] }[] } } } })
      .find((o) => o.kind === 'Deployment' && o.metadata?.name === 'kts-webhook');
    const c = webhook?.spec?.template?.spec?.containers?.[0];
    assert.equal(c?.image, 'registry.example.com/kts-exporter:0.1.0');
    assert.deepEqual(c?.args.slice(3, 5), ['--image', 'registry.example.com/kts-exporter:0.1.0']);
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
    const used = await sidecarCalls(api);
    assert.deepEqual([...used].sort(), [...granted(`${ROOT}deploy/base/sidecar-rbac.yaml`, 'kts-sidecar')].sort());
  });

  it("the webhook's roles grant exactly the shared CA Secret and the caBundle update", async () => {
    api.webhookConfigs.set('kts-sidecar-injector', {
      metadata: { name: 'kts-sidecar-injector' },
      webhooks: [{ name: 'pods.kts.dev', clientConfig: {} }],
    });
    const deployment = parseAllDocuments(readFileSync(`${ROOT}deploy/base/webhook.yaml`, 'utf8'))
      .map((d) => d.toJS() as Obj & { spec?: { template?: { spec?: { containers?: { args?: string[] }[] } } } })
      .find((o) => o.kind === 'Deployment');
    const used = await webhookCalls(api, kc, deployment?.spec?.template?.spec?.containers?.[0]?.args ?? [], 'kts-system');
    assert.deepEqual([...used].sort(), [...granted(`${ROOT}deploy/base/webhook-rbac.yaml`, 'kts-webhook')].sort());
  });
});
