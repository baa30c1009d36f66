/**
 * The Helm chart, with the real helm (.ci/run installs it with `go install`): it is what
 * deploy/src/helm.ts generates from the kustomize bundle, it lints, it renders over several
 * value sets into objects that validate against the Kubernetes schemas, its values schema
 * rejects wrong values, it renders what `kubectl kustomize` builds for the matching overlay,
 * and its webhook and sidecar RBAC grant exactly the calls the code makes.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import { parse, parseAllDocuments } from 'yaml';
import { CHART_DIR, chartFiles } from '../../deploy/src/helm.js';
import { ROOT } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';
import { sidecarCalls, webhookCalls } from './calls.js';
import { granted } from './rbac.js';
import { type K8sObj, validateAll } from './schemas.js';

const CHART = join(ROOT, CHART_DIR);
const HELM = process.env.HELM ?? 'helm';
const helmVersion = spawnSync(HELM, ['version', '--short'], { encoding: 'utf8' });
const hasHelm = helmVersion.status === 0;
const hasKubectl = spawnSync('kubectl', ['version', '--client'], { encoding: 'utf8' }).status === 0;
const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const HAND_WRITTEN = ['.helmignore', 'Chart.yaml', 'values.yaml', 'values.schema.json', 'templates/_helpers.tpl', 'templates/NOTES.txt'];

interface Container {
  name: string;
  image: string;
  args?: string[];
  env?: { name: string; value?: string }[];
  imagePullPolicy?: string;
  resources?: unknown;
}
interface PodSpec {
  containers: Container[];
  nodeSelector?: Record<string, string>;
  tolerations?: unknown[];
  imagePullSecrets?: { name: string }[];
  priorityClassName?: string;
}
type Obj = K8sObj & {
  spec?: Record<string, unknown> & { replicas?: number; template?: { spec: PodSpec } };
  data?: Record<string, string>;
  webhooks?: { failurePolicy: string; clientConfig: { service: { namespace: string } } }[];
  subjects?: { name: string; namespace: string }[];
};

/** A value set: `helm --set`/`--set-string` pairs, or a values file's content. */
interface ValueSet {
  name: string;
  values: Record<string, unknown>;
  namespace?: string;
}

const VALUE_SETS: ValueSet[] = [
  { name: 'defaults', values: {} },
  { name: 'cert-manager', values: { certManager: { enabled: true } } },
  {
    name: 'cert-manager with a ClusterIssuer',
    values: { certManager: { enabled: true, issuerRef: { kind: 'ClusterIssuer', name: 'corp-ca' } } },
  },
  { name: 'guard on', values: { guard: { enabled: true, evict: true } } },
  {
    name: 'monitoring on with the kube-prometheus-stack release label',
    values: {
      monitoring: {
        release: 'kube-prometheus-stack',
        podMonitor: { enabled: true, interval: '30s' },
        prometheusRule: { enabled: true },
        dashboards: { enabled: true, namespace: 'monitoring' },
      },
    },
  },
  {
    name: 'custom image, resources, tolerations, nodeSelector, another namespace',
    namespace: 'gpu-infra',
    values: {
      image: { repository: 'registry.example.com/kts', tag: '9.9.9', pullPolicy: 'Always' },
      imagePullSecrets: [{ name: 'regcred' }],
      webhook: {
        replicas: 3,
        failurePolicy: 'Fail',
        resources: { requests: { cpu: '50m', memory: '100Mi' }, limits: { memory: '200Mi' } },
        nodeSelector: { 'node-role.kubernetes.io/infra': '' },
        tolerations: [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }],
        priorityClassName: 'system-cluster-critical',
      },
      guard: { enabled: true, nodeSelector: { pool: 'system' }, tolerations: [{ key: 'nvidia.com/gpu', operator: 'Exists' }] },
      sidecar: { roleBindings: [{ namespace: 'team-a' }, { namespace: 'team-b', serviceAccount: 'inference' }] },
      commonLabels: { team: 'gpu-platform' },
    },
  },
];

let valuesDir = '';

function helm(args: string[]): { status: number | null; stdout: string; stderr: string } {
  return spawnSync(HELM, args, { encoding: 'utf8' });
}

async function valuesFile(set: ValueSet): Promise<string> {
  const file = join(valuesDir, `${set.name.replace(/\W+/g, '-')}.yaml`);
  await writeFile(file, JSON.stringify(set.values));
  return file;
}

async function render(set: ValueSet): Promise<{ text: string; objs: Obj[] }> {
  const r = helm(['template', 'kts', CHART, '--namespace', set.namespace ?? 'kts-system', '--values', await valuesFile(set)]);
  assert.equal(r.status, 0, `${set.name}: ${r.stderr}`);
  const objs = parseAllDocuments(r.stdout)
    .map((d) => d.toJS() as Obj | null)
    .filter((o): o is Obj => o !== null);
  return { text: r.stdout, objs };
}

function find(objs: Obj[], kind: string, name: string): Obj {
  const o = objs.find((x) => x.kind === kind && x.metadata?.name === name);
  assert.ok(o !== undefined, `${kind}/${name} rendered`);
  return o;
}

const podSpec = (o: Obj): PodSpec => {
  const spec = o.spec?.template?.spec;
  assert.ok(spec !== undefined, `${o.metadata?.name} has a pod template`);
  return spec;
};

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [relative(CHART, p)];
  });
}

describe('the Helm chart is generated from deploy/', () => {
  it('every generated file is current and nothing else is in the chart', () => {
    const files = chartFiles(ROOT);
    for (const [path, text] of files)
      assert.equal(readFileSync(join(CHART, path), 'utf8'), text, `${path}: run \`npm run deploy:generate\``);
    const extra = filesUnder(CHART).filter((p) => !files.has(p) && !HAND_WRITTEN.includes(p));
    assert.deepEqual(extra, [], 'files in the chart that deploy:generate does not write (stale, or hand-written and unlisted)');
  });

  it('chart version, appVersion and the bundle image follow package.json', () => {
    const chart = parse(readFileSync(join(CHART, 'Chart.yaml'), 'utf8')) as { version: string; appVersion: string };
    assert.equal(chart.version, VERSION);
    assert.equal(chart.appVersion, VERSION);
    assert.match(
      readFileSync(join(ROOT, 'deploy/base/webhook.yaml'), 'utf8'),
      new RegExp(`kts-exporter:${VERSION.replace(/\./g, '\\.')}\\b`),
    );
  });
});

it('helm is installed (CI must run the chart tests)', {
  skip: hasHelm || process.env.CI || process.env.KTS_CI === '1' ? false : 'not in CI',
}, () => {
  assert.ok(hasHelm, `${HELM} is not installed: go install helm.sh/helm/v3/cmd/helm@v3.22.0 (.ci/run does)`);
});

describe('the Helm chart with the real helm', {
  skip: hasHelm || process.env.CI || process.env.KTS_CI === '1' ? false : `${HELM} not installed (.ci/run installs it)`,
}, () => {
  before(async () => {
    assert.ok(hasHelm, `${HELM} is not installed: go install helm.sh/helm/v3/cmd/helm@v3.22.0 (.ci/run does)`);
    valuesDir = await mkdtemp(join(tmpdir(), 'kts-helm-'));
  });

  for (const set of VALUE_SETS) {
    it(`${set.name}: helm lint --strict passes and every rendered object validates against its schema`, async () => {
      const lint = helm(['lint', '--strict', CHART, '--namespace', set.namespace ?? 'kts-system', '--values', await valuesFile(set)]);
      assert.equal(lint.status, 0, lint.stdout + lint.stderr);
      const { objs } = await render(set);
      await validateAll(objs);
      for (const o of objs)
        assert.equal(o.metadata?.labels?.['app.kubernetes.io/part-of'], 'kts-exporter', `${o.kind}/${o.metadata?.name}`);
    });
  }

  it('defaults: the webhook, self-signed with one shared CA, and nothing optional', async () => {
    const { objs } = await render(VALUE_SETS[0] as ValueSet);
    const kinds = objs.map((o) => `${o.kind}/${o.metadata?.name}`).sort();
    assert.deepEqual(kinds, [
      'ClusterRole/kts-sidecar',
      'ClusterRole/kts-webhook',
      'ClusterRoleBinding/kts-webhook',
      'Deployment/kts-webhook',
      'MutatingWebhookConfiguration/kts-sidecar-injector',
      'PodDisruptionBudget/kts-webhook',
      'Role/kts-webhook',
      'RoleBinding/kts-webhook',
      'Service/kts-webhook',
      'ServiceAccount/kts-webhook',
    ]);
    const webhook = find(objs, 'Deployment', 'kts-webhook');
    assert.equal(webhook.spec?.replicas, 2);
    const c = podSpec(webhook).containers[0];
    assert.equal(c?.image, `ghcr.io/kts-exporter/kts-exporter:${VERSION}`);
    assert.deepEqual(c?.args?.slice(c.args.indexOf('--image'), c.args.indexOf('--image') + 2), ['--image', c?.image]);
    assert.ok(c?.args?.includes('--webhook-config'), 'the webhook writes its own caBundle');
    assert.equal(c?.imagePullPolicy, undefined);
    const role = find(objs, 'Role', 'kts-webhook') as Obj & { rules: { resourceNames?: string[] }[] };
    assert.ok(
      role.rules.some((r) => r.resourceNames?.includes('kts-webhook-ca')),
      'the shared CA Secret',
    );
  });

  it('cert-manager: Certificate and Issuer, the CA injected by cert-manager, certificates from the Secret, no API rights', async () => {
    const { objs } = await render(VALUE_SETS[1] as ValueSet);
    const cert = find(objs, 'Certificate', 'kts-webhook') as Obj & { spec: { dnsNames: string[]; issuerRef: unknown; secretName: string } };
    assert.deepEqual(cert.spec.dnsNames, ['kts-webhook.kts-system.svc', 'kts-webhook.kts-system.svc.cluster.local']);
    assert.deepEqual(cert.spec.issuerRef, { kind: 'Issuer', name: 'kts-selfsigned' });
    find(objs, 'Issuer', 'kts-selfsigned');
    const mwc = find(objs, 'MutatingWebhookConfiguration', 'kts-sidecar-injector');
    assert.equal(mwc.metadata?.annotations?.['cert-manager.io/inject-ca-from'], 'kts-system/kts-webhook');
    const pod = podSpec(find(objs, 'Deployment', 'kts-webhook')) as PodSpec & { volumes: { secret: { secretName: string } }[] };
    assert.equal(pod.volumes[0]?.secret.secretName, cert.spec.secretName);
    assert.ok(pod.containers[0]?.args?.includes('--tls-cert'));
    for (const kind of ['ClusterRole', 'Role']) assert.deepEqual((find(objs, kind, 'kts-webhook') as Obj & { rules: [] }).rules, []);

    const own = await render(VALUE_SETS[2] as ValueSet);
    assert.ok(!own.objs.some((o) => o.kind === 'Issuer'), 'no Issuer of ours with an issuerRef given');
    const ref = (find(own.objs, 'Certificate', 'kts-webhook') as Obj & { spec: { issuerRef: unknown } }).spec.issuerRef;
    assert.deepEqual(ref, { kind: 'ClusterIssuer', name: 'corp-ca' });
  });

  it('guard on: its Deployment, PDB and RBAC, with eviction as set', async () => {
    const { objs } = await render(VALUE_SETS[3] as ValueSet);
    for (const kind of ['ServiceAccount', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'Deployment', 'PodDisruptionBudget'])
      find(objs, kind, 'kts-guard');
    const env = podSpec(find(objs, 'Deployment', 'kts-guard')).containers[0]?.env ?? [];
    assert.equal(env.find((e) => e.name === 'KTS_GUARD_EVICT')?.value, 'true');
    assert.equal(env.find((e) => e.name === 'KTS_GUARD_DRY_RUN')?.value, 'false');
  });

  it('monitoring on: PodMonitor and PrometheusRule carry the release label; rules and dashboards are those of alerts/ and dashboards/', async () => {
    const { objs } = await render(VALUE_SETS[4] as ValueSet);
    const pm = find(objs, 'PodMonitor', 'kts-sidecars') as Obj & { spec: { podMetricsEndpoints: { interval: string }[] } };
    const rule = find(objs, 'PrometheusRule', 'kts-exporter') as Obj & { spec: { groups: unknown } };
    for (const o of [pm, rule]) assert.equal(o.metadata?.labels?.release, 'kube-prometheus-stack', o.kind);
    assert.equal(pm.spec.podMetricsEndpoints[0]?.interval, '30s');
    const alerts = parse(readFileSync(join(ROOT, 'alerts/kts.rules.yaml'), 'utf8')) as { groups: unknown };
    assert.deepEqual(rule.spec.groups, alerts.groups);
    const boards = objs.filter((o) => o.kind === 'ConfigMap');
    assert.deepEqual(boards.map((b) => b.metadata?.name).sort(), ['kts-cost', 'kts-health', 'kts-overview', 'kts-workload']);
    for (const b of boards) {
      assert.equal(b.metadata?.namespace, 'monitoring');
      assert.equal(b.metadata?.labels?.grafana_dashboard, '1');
      const [file, json] = Object.entries(b.data ?? {})[0] ?? [];
      assert.equal(json, readFileSync(join(ROOT, 'dashboards', file ?? '?'), 'utf8'), `${file} as in dashboards/`);
    }
    const quiet = await render(VALUE_SETS[0] as ValueSet);
    assert.ok(!quiet.objs.some((o) => o.metadata?.labels?.release !== undefined), 'no release label unless set');
  });

  it('custom values reach every pod: image, pull policy and secrets, resources, tolerations, nodeSelector; the namespace everywhere', async () => {
    const set = VALUE_SETS[5] as ValueSet;
    const { text, objs } = await render(set);
    assert.doesNotMatch(text, /kts-system/, 'no object left in, or pointing to, kts-system');
    const webhook = find(objs, 'Deployment', 'kts-webhook');
    assert.equal(webhook.spec?.replicas, 3);
    const wp = podSpec(webhook);
    const c = wp.containers[0];
    assert.equal(c?.image, 'registry.example.com/kts:9.9.9');
    assert.ok(c?.args?.includes('registry.example.com/kts:9.9.9'), 'the webhook injects the same image');
    assert.equal(c?.imagePullPolicy, 'Always');
    // helm merges maps: the default CPU limit stays unless set to null
    assert.deepEqual(c?.resources, { requests: { cpu: '50m', memory: '100Mi' }, limits: { cpu: '500m', memory: '200Mi' } });
    assert.deepEqual(wp.nodeSelector, { 'node-role.kubernetes.io/infra': '' });
    assert.deepEqual(wp.tolerations, [{ key: 'infra', operator: 'Exists', effect: 'NoSchedule' }]);
    assert.deepEqual(wp.imagePullSecrets, [{ name: 'regcred' }]);
    assert.equal(wp.priorityClassName, 'system-cluster-critical');
    const gp = podSpec(find(objs, 'Deployment', 'kts-guard'));
    assert.equal(gp.containers[0]?.image, 'registry.example.com/kts:9.9.9');
    assert.deepEqual(gp.nodeSelector, { pool: 'system' });
    assert.deepEqual(gp.tolerations, [{ key: 'nvidia.com/gpu', operator: 'Exists' }]);
    const mwc = find(objs, 'MutatingWebhookConfiguration', 'kts-sidecar-injector');
    for (const w of mwc.webhooks ?? []) {
      assert.equal(w.failurePolicy, 'Fail');
      assert.equal(w.clientConfig.service.namespace, 'gpu-infra');
    }
    const bindings = objs.filter((o) => o.kind === 'RoleBinding' && o.metadata?.name === 'kts-sidecar');
    assert.deepEqual(
      bindings.map((b) => [b.metadata?.namespace, b.subjects?.[0]?.name, b.subjects?.[0]?.namespace]),
      [
        ['team-a', 'default', 'team-a'],
        ['team-b', 'inference', 'team-b'],
      ],
    );
    for (const o of objs) assert.equal(o.metadata?.labels?.team, 'gpu-platform');

    const pinned = await render({ name: 'digest', values: { image: { digest: `sha256:${'a'.repeat(64)}` } } });
    assert.equal(
      podSpec(find(pinned.objs, 'Deployment', 'kts-webhook')).containers[0]?.image,
      `ghcr.io/kts-exporter/kts-exporter@sha256:${'a'.repeat(64)}`,
    );
  });

  for (const [flag, why] of [
    ['webhook.replicas=two', 'replicas must be an integer'],
    ['guard.enabled=maybe', 'a toggle must be a boolean'],
    ['webhook.failurePolicy=Sometimes', 'failurePolicy is Ignore or Fail'],
    ['monitoring.podMonitor.interval=soon', 'interval is a Prometheus duration'],
    ['webhook.resources.limits.memory=lots', 'a quantity'],
    ['monitoring.relase=kps', 'a misspelt key'],
  ] as const) {
    it(`the values schema rejects ${flag} (${why})`, () => {
      const r = helm(['lint', CHART, '--set', flag]);
      assert.notEqual(r.status, 0, `helm lint --set ${flag} passed`);
      assert.match(r.stdout + r.stderr, /schema/i);
    });
  }

  describe('RBAC against the calls the code makes', () => {
    const api = new FakeKubeApi();
    let kc: KubeConfig;
    before(async () => {
      await api.start();
      kc = api.kubeConfig();
    });
    after(() => api.stop());

    async function renderedRbac(set: ValueSet): Promise<{ file: string; objs: Obj[] }> {
      const { text, objs } = await render(set);
      const file = join(valuesDir, `rendered-${set.name.replace(/\W+/g, '-')}.yaml`);
      await writeFile(file, text);
      return { file, objs };
    }

    it("the sidecar's ClusterRole grants exactly what its API calls need", async () => {
      const { file } = await renderedRbac(VALUE_SETS[0] as ValueSet);
      const used = await sidecarCalls(api);
      assert.deepEqual([...used].sort(), [...granted(file, 'kts-sidecar')].sort());
    });

    for (const set of [VALUE_SETS[0], VALUE_SETS[1], VALUE_SETS[5]] as ValueSet[]) {
      it(`${set.name}: the webhook started with the rendered args makes exactly the calls its roles grant`, async () => {
        api.webhookConfigs.set('kts-sidecar-injector', {
          metadata: { name: 'kts-sidecar-injector' },
          webhooks: [{ name: 'pods.kts.dev', clientConfig: {} }],
        });
        const { file, objs } = await renderedRbac(set);
        const args = podSpec(find(objs, 'Deployment', 'kts-webhook')).containers[0]?.args ?? [];
        const used = await webhookCalls(api, kc, args, set.namespace ?? 'kts-system');
        assert.deepEqual([...used].sort(), [...granted(file, 'kts-webhook')].sort());
      });
    }
  });
});

/** Labels helm adds that kustomize does not. */
const HELM_LABELS = ['app.kubernetes.io/managed-by', 'app.kubernetes.io/instance', 'app.kubernetes.io/version', 'helm.sh/chart'];

function normalized(objs: Obj[]): Obj[] {
  return objs
    .filter((o) => o.kind !== 'Namespace')
    .map((o) => {
      const c = structuredClone(o);
      for (const l of HELM_LABELS) delete c.metadata?.labels?.[l];
      return c;
    })
    .sort((a, b) => `${a.kind}/${a.metadata?.name}`.localeCompare(`${b.kind}/${b.metadata?.name}`));
}

describe('the chart renders what kustomize builds', {
  skip: !hasHelm ? 'helm not installed' : !hasKubectl ? 'kubectl (kustomize) not installed' : false,
}, () => {
  const PAIRS: [string, Record<string, unknown>][] = [
    ['base', {}],
    ['overlays/cert-manager', { certManager: { enabled: true } }],
    ['overlays/guard', { guard: { enabled: true } }],
    [
      'overlays/monitoring',
      { monitoring: { podMonitor: { enabled: true }, prometheusRule: { enabled: true }, dashboards: { enabled: true } } },
    ],
  ];
  before(async () => {
    valuesDir ||= await mkdtemp(join(tmpdir(), 'kts-helm-'));
  });
  for (const [dir, values] of PAIRS) {
    it(`deploy/${dir}`, async () => {
      const k = spawnSync('kubectl', ['kustomize', join(ROOT, 'deploy', dir)], { encoding: 'utf8' });
      assert.equal(k.status, 0, k.stderr);
      const built = parseAllDocuments(k.stdout).map((d) => d.toJS() as Obj);
      const { objs } = await render({ name: `same-as-${dir}`, values });
      assert.deepEqual(normalized(objs), normalized(built));
    });
  }
});
