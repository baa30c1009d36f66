import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import { parseAllDocuments } from 'yaml';
import { type AdmissionReview, review } from '../../src/k8s/admission.js';
import { SIDECAR_NAME } from '../../src/k8s/inject.js';
import { CLI, ROOT } from '../helpers.js';

const FIXTURE = `${ROOT}test/k8s/fixtures/gpu-pod-review.json`;
const base = (): AdmissionReview => JSON.parse(readFileSync(FIXTURE, 'utf8')) as AdmissionReview;
const opts = { image: 'ghcr.io/kts-exporter/kts-exporter:test', serverMinor: 30 };

function patched(r: AdmissionReview, input: AdmissionReview): V1Pod {
  const ops = JSON.parse(Buffer.from(r.response?.patch ?? '', 'base64').toString('utf8')) as jsonpatch.Operation[];
  return jsonpatch.applyPatch(structuredClone(input.request?.object), ops, true, false).newDocument as V1Pod;
}

const sidecarOf = (pod: V1Pod): V1Container | undefined =>
  [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === SIDECAR_NAME);

describe('admission review', () => {
  it('injects a native sidecar into a GPU pod on API servers >= 1.29, locked down', () => {
    const input = base();
    const out = review(input, opts);
    assert.equal(out.injected, true);
    assert.equal(out.review.apiVersion, 'admission.k8s.io/v1');
    assert.equal(out.review.response?.uid, input.request?.uid);
    assert.equal(out.review.response?.allowed, true);
    assert.equal(out.review.response?.patchType, 'JSONPatch');
    const pod = patched(out.review, input);
    const init = pod.spec?.initContainers?.[0];
    assert.equal(init?.name, SIDECAR_NAME);
    assert.equal(init?.restartPolicy, 'Always');
    assert.equal(pod.spec?.containers.length, 1, 'workload containers untouched');
    const env = Object.fromEntries((init?.env ?? []).map((e) => [e.name, e.value ?? e.valueFrom?.fieldRef?.fieldPath]));
    assert.equal(env.KTS_SOURCE, 'k8s-logs:fft');
    assert.equal(env.POD_NAME, 'metadata.name');
    assert.equal(env.POD_NAMESPACE, 'metadata.namespace');
    assert.equal(env.HOST_IP, 'status.hostIP');
    assert.equal(env.NODE_NAME, 'spec.nodeName');
    assert.equal(env.KTS_POD_ANNOTATIONS, '/etc/kts/podinfo/annotations');
    const sc = init?.securityContext;
    assert.equal(sc?.runAsNonRoot, true);
    assert.equal(sc?.readOnlyRootFilesystem, true);
    assert.equal(sc?.allowPrivilegeEscalation, false);
    assert.deepEqual(sc?.capabilities?.drop, ['ALL']);
    assert.equal(sc?.seccompProfile?.type, 'RuntimeDefault');
    assert.deepEqual(init?.ports?.[0], { name: 'kts-metrics', containerPort: 9464, protocol: 'TCP' });
    assert.equal(init?.readinessProbe, undefined, 'never gates the workload pod readiness');
    assert.ok(init?.resources?.limits?.memory !== undefined);
    assert.equal(pod.metadata?.annotations?.['kts.dev/injected'], 'true');
    assert.ok(pod.spec?.volumes?.some((v) => v.name === 'kts-podinfo' && v.downwardAPI !== undefined));
  });

  it('adds a plain container before 1.29', () => {
    const input = base();
    const pod = patched(review(input, { ...opts, serverMinor: 28 }).review, input);
    assert.equal(pod.spec?.initContainers, undefined);
    assert.equal(pod.spec?.containers.at(-1)?.name, SIDECAR_NAME);
    assert.equal(pod.spec?.containers.at(-1)?.restartPolicy, undefined);
  });

  it('never injects twice, skips pods without a GPU, and allows them unchanged', () => {
    const input = base();
    const once = patched(review(input, opts).review, input);
    const again = base();
    (again.request as { object: unknown }).object = once;
    const second = review(again, opts);
    assert.equal(second.injected, false);
    assert.equal(second.reason, 'already injected');
    assert.equal(second.review.response?.patch, undefined);
    assert.equal(second.review.response?.allowed, true);
    const cpu = base();
    const c = cpu.request?.object?.spec?.containers[0];
    if (c !== undefined) c.resources = {};
    const skipped = review(cpu, opts);
    assert.equal(skipped.injected, false);
    assert.match(skipped.reason, /no container requests a GPU/);
    const forced = base();
    const fc = forced.request?.object?.spec?.containers[0];
    if (fc !== undefined) fc.resources = {};
    const fa = forced.request?.object?.metadata?.annotations;
    if (fa !== undefined) fa['kts.dev/inject-force'] = 'true';
    assert.equal(review(forced, opts).injected, true);
  });

  it('needs the opt-in label on the pod or its namespace, and honours dry-run', () => {
    const input = base();
    delete input.request?.object?.metadata?.labels?.['kts.dev/inject'];
    assert.equal(review(input, opts).injected, false);
    assert.equal(review(input, { ...opts, namespaceOptIn: true }).injected, true);
    const dry = base();
    if (dry.request !== undefined) dry.request.dryRun = true;
    const r = review(dry, opts);
    assert.equal(r.injected, true, 'the mutation has no side effects, so dry-run gets the same patch');
    assert.equal(r.review.response?.patch, review(base(), opts).review.response?.patch);
  });

  it('uses the source and container annotations', () => {
    const cri = base();
    const a = cri.request?.object?.metadata?.annotations ?? {};
    a['kts.dev/source'] = 'cri';
    const pod = patched(review(cri, opts).review, cri);
    const sc = sidecarOf(pod);
    assert.ok(pod.spec?.volumes?.some((v) => v.hostPath?.path === '/var/log/pods'));
    assert.ok(sc?.volumeMounts?.some((m) => m.mountPath === '/var/log/pods' && m.readOnly === true));
    assert.equal(sc?.env?.find((e) => e.name === 'KTS_SOURCE')?.value, 'cri:fft');
    const file = base();
    (file.request?.object?.metadata?.annotations ?? {})['kts.dev/source'] = 'file';
    const fp = patched(review(file, opts).review, file);
    assert.equal(fp.spec?.containers[0]?.env?.find((e) => e.name === 'KTS_LOG_FILE')?.value, '/var/log/kts/fft.log');
    assert.equal(sidecarOf(fp)?.env?.find((e) => e.name === 'KTS_SOURCE')?.value, 'file:/var/log/kts/fft.log');
    assert.ok(fp.spec?.volumes?.some((v) => v.name === 'kts-logs' && v.emptyDir !== undefined));
    const bad = base();
    (bad.request?.object?.metadata?.annotations ?? {})['kts.dev/source'] = 'syslog';
    assert.match(review(bad, opts).reason, /kts\.dev\/source: 'syslog' is not one of/);
    const missing = base();
    (missing.request?.object?.metadata?.annotations ?? {})['kts.dev/container'] = 'sidecar-x';
    assert.match(review(missing, opts).reason, /container sidecar-x .* not found/);
  });

  it('tiers: a gold pod gets the gold-active toleration, an elastic one does not; the tier reaches the sidecar', () => {
    const withTier = (tier: string | undefined): AdmissionReview => {
      const r = base();
      const labels = { ...(r.request?.object?.metadata?.labels ?? {}) };
      if (tier !== undefined) labels['kts.dev/tier'] = tier;
      (r.request?.object?.metadata as { labels: Record<string, string> }).labels = labels;
      return r;
    };
    const gold = withTier('gold');
    const goldPod = patched(review(gold, opts).review, gold);
    assert.deepEqual(goldPod.spec?.tolerations, [{ key: 'kts.dev/gold-active', operator: 'Equal', value: 'true', effect: 'NoSchedule' }]);
    const tierEnv = sidecarOf(goldPod)?.env?.find((e) => e.name === 'KTS_TIER');
    assert.equal(tierEnv?.valueFrom?.fieldRef?.fieldPath, "metadata.labels['kts.dev/tier']");
    for (const tier of ['elastic', undefined]) {
      const input = withTier(tier);
      const pod = patched(review(input, opts).review, input);
      assert.equal(pod.spec?.tolerations, undefined, `tier ${tier}: no toleration`);
    }
    // idempotent: a gold pod that already tolerates the taint keeps one toleration
    const again = withTier('gold');
    (again.request?.object?.spec as { tolerations?: unknown[] }).tolerations = [{ key: 'kts.dev/gold-active', operator: 'Exists' }];
    assert.equal(patched(review(again, opts).review, again).spec?.tolerations?.length, 1);
    // a typo never crash-loops the sidecar: injected without a tier, with a warning
    const typo = withTier('gld');
    const out = review(typo, opts);
    assert.equal(out.injected, true);
    assert.match(out.review.response?.warnings?.[0] ?? '', /kts\.dev\/tier: 'gld' is not one of gold, elastic/);
    const env = sidecarOf(patched(out.review, typo))?.env?.find((e) => e.name === 'KTS_TIER');
    assert.deepEqual(env, { name: 'KTS_TIER', value: '' });
  });

  it("hands the workload's NVIDIA_VISIBLE_DEVICES to the sidecar under another name", () => {
    const input = base();
    const fft = input.request?.object?.spec?.containers[0] as { env?: { name: string; value?: string }[] };
    fft.env = [...(fft.env ?? []), { name: 'NVIDIA_VISIBLE_DEVICES', value: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026' }];
    const env = sidecarOf(patched(review(input, opts).review, input))?.env ?? [];
    assert.deepEqual(
      env.find((e) => e.name === 'KTS_WORKLOAD_VISIBLE_DEVICES'),
      { name: 'KTS_WORKLOAD_VISIBLE_DEVICES', value: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026' },
    );
    assert.equal(
      env.find((e) => e.name === 'NVIDIA_VISIBLE_DEVICES'),
      undefined,
      'never NVIDIA_VISIBLE_DEVICES on the sidecar',
    );
    const plain = base();
    assert.equal(
      sidecarOf(patched(review(plain, opts).review, plain))?.env?.find((e) => e.name === 'KTS_WORKLOAD_VISIBLE_DEVICES'),
      undefined,
    );
  });

  it('leaves other kinds and operations alone', () => {
    const svc = base();
    if (svc.request !== undefined) svc.request.kind = { group: '', version: 'v1', kind: 'Service' };
    assert.equal(review(svc, opts).injected, false);
    const upd = base();
    if (upd.request !== undefined) upd.request.operation = 'UPDATE';
    assert.equal(review(upd, opts).injected, false);
    assert.throws(() => review({ kind: 'AdmissionReview' }, opts));
  });
});

describe('kts inject and kts webhook review (no cluster)', () => {
  it('injects every GPU pod template of a manifest, leaves the rest, and is idempotent', () => {
    const r = spawnSync(process.execPath, [CLI, 'inject', '-f', `${ROOT}test/k8s/fixtures/workloads.yaml`, '--server-version', '1.30'], {
      encoding: 'utf8',
    });
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /Pod\/cpu-only left as is: no container requests a GPU/);
    const docs = parseAllDocuments(r.stdout).map((d) => d.toJS() as { kind: string; spec: Record<string, unknown> });
    assert.deepEqual(
      docs.map((d) => d.kind),
      ['Deployment', 'Service', 'Job', 'Pod'],
    );
    const tpl = (i: number) => (docs[i]?.spec.template as V1Pod | undefined)?.spec;
    assert.equal(tpl(0)?.initContainers?.[0]?.env?.find((e) => e.name === 'KTS_SOURCE')?.value, 'file:/var/log/kts/server.log');
    assert.equal(tpl(2)?.initContainers?.[0]?.env?.find((e) => e.name === 'KTS_SOURCE')?.value, 'cri:gemm');
    assert.equal(((docs[3] as unknown as V1Pod).spec?.initContainers ?? []).length, 0);
    const again = spawnSync(process.execPath, [CLI, 'inject', '-f', '-', '--server-version', '1.30'], {
      input: r.stdout,
      encoding: 'utf8',
    });
    assert.equal(again.status, 0);
    assert.equal(again.stdout, r.stdout, 'injecting twice changes nothing');
  });

  it('kts webhook review prints the AdmissionReview response; bad input exits 2 with one line', () => {
    const r = spawnSync(process.execPath, [CLI, 'webhook', 'review', FIXTURE], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const out = JSON.parse(r.stdout) as AdmissionReview;
    assert.equal(out.response?.patchType, 'JSONPatch');
    assert.match(r.stderr, /injected \(k8s-logs:fft, native sidecar\)/);
    const bad = spawnSync(process.execPath, [CLI, 'webhook', 'review', '-'], { input: '{"kind":"Pod"}', encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.equal(bad.stderr.trim().split('\n').length, 1);
  });
});
