/**
 * The injector on every GPU pod shape the ecosystem produces (issue 14): each resource name
 * NVIDIA's device plugin advertises, pods whose names, paths or ports collide with the
 * sidecar's, Windows pods, pods without a service account token, pods with native sidecars of
 * their own, run-to-completion pods. Every patched pod validates against the Pod schema.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { V1Container, V1Pod } from '@kubernetes/client-node';
import { Pod } from 'kubernetes-models/v1/Pod';
import { gpuShareKind, isGpuResource } from '../../src/k8s/gpu-resources.js';
import { type InjectResult, injectPod, type PodLike, SIDECAR_NAME } from '../../src/k8s/inject.js';
import { resolveConfig } from '../../src/serve/config.js';

const IMAGE = 'ghcr.io/kts-exporter/kts-exporter:test';

function gpuPod(over: Partial<V1Pod['spec']> = {}, resource = 'nvidia.com/gpu', annotations: Record<string, string> = {}): PodLike {
  return {
    metadata: { name: 'infer-0', namespace: 'gpu', labels: { 'kts.dev/inject': 'true' }, annotations },
    spec: {
      containers: [{ name: 'server', image: 'example.com/infer:1', resources: { limits: { [resource]: '1' } } }],
      ...over,
    },
  };
}

function valid(r: InjectResult): V1Pod {
  assert.ok(r.injected, r.injected ? '' : r.reason);
  const pod = { apiVersion: 'v1', kind: 'Pod', ...r.pod } as V1Pod;
  assert.doesNotThrow(() => new Pod(pod as never).validate());
  const spec = pod.spec;
  assert.ok(spec !== undefined);
  const names = (spec.volumes ?? []).map((v) => v.name);
  assert.equal(new Set(names).size, names.length, `volume names unique: ${names}`);
  for (const c of [...spec.containers, ...(spec.initContainers ?? [])]) {
    const paths = (c.volumeMounts ?? []).map((m) => m.mountPath);
    assert.equal(new Set(paths).size, paths.length, `${c.name}: mount paths unique: ${paths}`);
    for (const m of c.volumeMounts ?? []) assert.ok(names.includes(m.name), `${c.name} mounts ${m.name}, which exists`);
  }
  return pod;
}
const sidecarOf = (pod: V1Pod): V1Container | undefined =>
  [...(pod.spec?.initContainers ?? []), ...(pod.spec?.containers ?? [])].find((c) => c.name === SIDECAR_NAME);
const envOf = (c: V1Container | undefined) => Object.fromEntries((c?.env ?? []).map((e) => [e.name, e.value]));

describe('injector: GPU resource names', () => {
  const gpus = [
    'nvidia.com/gpu',
    'nvidia.com/gpu.shared',
    'nvidia.com/mig-1g.10gb',
    'nvidia.com/mig-3g.40gb',
    'nvidia.com/mig-1g.10gb+me',
    'nvidia.com/mig-1c.3g.40gb',
    'nvidia.com/mig-2g.20gb.shared',
    'nvidia.com/a100',
    'nvidia.com/pgpu',
  ];
  for (const name of gpus) {
    it(`injects a pod requesting ${name}`, () => {
      assert.ok(isGpuResource(name));
      const pod = valid(injectPod(gpuPod({}, name), { image: IMAGE, serverMinor: 30 }));
      assert.ok(sidecarOf(pod));
    });
  }
  it('tells shared and MIG resources apart, and leaves HAMi companions and other vendors alone', () => {
    assert.equal(gpuShareKind('nvidia.com/gpu.shared'), 'shared');
    assert.equal(gpuShareKind('nvidia.com/mig-1g.10gb'), 'mig');
    assert.equal(gpuShareKind('nvidia.com/gpu'), 'gpu');
    for (const name of ['nvidia.com/gpumem', 'nvidia.com/gpucores', 'amd.com/gpu', 'cpu', 'nvidia.com/'])
      assert.equal(isGpuResource(name), false, name);
    const r = injectPod(gpuPod({}, 'nvidia.com/gpumem'), { image: IMAGE, serverMinor: 30 });
    assert.equal(r.injected, false);
    const zero = gpuPod();
    (zero.spec?.containers[0] as V1Container).resources = { limits: { 'nvidia.com/gpu.shared': '0' } };
    assert.equal(injectPod(zero, { image: IMAGE, serverMinor: 30 }).injected, false);
  });
});

describe('injector: pod shapes', () => {
  it('a volume already called kts-logs, and an app already mounting /var/log/kts', () => {
    const pod = gpuPod(
      {
        volumes: [
          { name: 'kts-logs', emptyDir: {} },
          { name: 'kts-podinfo', emptyDir: {} },
        ],
      },
      'nvidia.com/gpu',
      {
        'kts.dev/source': 'file',
      },
    );
    (pod.spec?.containers[0] as V1Container).volumeMounts = [{ name: 'kts-logs', mountPath: '/var/log/kts' }];
    const out = valid(injectPod(pod, { image: IMAGE, serverMinor: 30 }));
    const app = out.spec?.containers[0];
    assert.deepEqual(
      app?.volumeMounts?.find((m) => m.mountPath === '/var/log/kts'),
      { name: 'kts-logs', mountPath: '/var/log/kts' },
      "the app's own mount is untouched",
    );
    const file = envOf(app).KTS_LOG_FILE ?? '';
    assert.match(file, /^\/var\/log\/kts-1\/server\.log$/);
    assert.equal(envOf(sidecarOf(out)).KTS_SOURCE, `file:${file}`);
    assert.ok(out.spec?.volumes?.some((v) => v.name === 'kts-logs-1' && v.emptyDir !== undefined));
    assert.ok(out.spec?.volumes?.some((v) => v.name === 'kts-podinfo-1' && v.downwardAPI !== undefined));
  });

  it('an app that already writes KTS_LOG_FILE through a volume of its own: the sidecar reads that volume', () => {
    const pod = gpuPod({ volumes: [{ name: 'logs', emptyDir: {} }] }, 'nvidia.com/gpu', { 'kts.dev/source': 'file' });
    const app = pod.spec?.containers[0] as V1Container;
    app.volumeMounts = [{ name: 'logs', mountPath: '/logs' }];
    app.env = [{ name: 'KTS_LOG_FILE', value: '/logs/latency.log' }];
    const out = valid(injectPod(pod, { image: IMAGE, serverMinor: 30 }));
    assert.equal(envOf(sidecarOf(out)).KTS_SOURCE, 'file:/logs/latency.log');
    assert.deepEqual(
      sidecarOf(out)?.volumeMounts?.find((m) => m.mountPath === '/logs'),
      { name: 'logs', mountPath: '/logs', readOnly: true },
    );
    assert.equal(out.spec?.containers[0]?.env?.filter((e) => e.name === 'KTS_LOG_FILE').length, 1, 'no second KTS_LOG_FILE');
  });

  it('skips Windows pods with a reason', () => {
    for (const over of [{ os: { name: 'windows' } }, { nodeSelector: { 'kubernetes.io/os': 'windows' } }]) {
      const r = injectPod(gpuPod(over), { image: IMAGE, serverMinor: 30 });
      assert.equal(r.injected, false);
      assert.match(r.injected ? '' : r.reason, /Windows/);
    }
  });

  it('automountServiceAccountToken: false: a projected token for the sidecar alone, said in the warnings', () => {
    const r = injectPod(gpuPod({ automountServiceAccountToken: false }), { image: IMAGE, serverMinor: 30 });
    const out = valid(r);
    assert.equal(out.spec?.automountServiceAccountToken, false, 'the pod keeps its choice');
    const tokenMount = sidecarOf(out)?.volumeMounts?.find((m) => m.mountPath === '/var/run/secrets/kubernetes.io/serviceaccount');
    assert.ok(tokenMount?.readOnly);
    const vol = out.spec?.volumes?.find((v) => v.name === tokenMount?.name);
    assert.ok(vol?.projected?.sources?.some((s) => s.serviceAccountToken?.path === 'token'));
    assert.ok(
      !out.spec?.containers.some((c) => c.volumeMounts?.some((m) => m.name === tokenMount?.name)),
      'workload containers have no token',
    );
    assert.ok(r.injected && r.warnings.some((w) => /automountServiceAccountToken/.test(w)));
  });

  it('pods with native sidecars of their own, and a port 9464 already taken', () => {
    const pod = gpuPod({
      initContainers: [
        { name: 'setup', image: 'busybox' },
        { name: 'proxy', image: 'envoy', restartPolicy: 'Always', ports: [{ containerPort: 9464 }] },
      ],
    });
    const r = injectPod(pod, { image: IMAGE, serverMinor: 30 });
    const out = valid(r);
    assert.deepEqual(
      out.spec?.initContainers?.map((c) => c.name),
      ['setup', 'proxy', SIDECAR_NAME],
    );
    assert.equal(sidecarOf(out)?.ports?.[0]?.containerPort, 9465);
    assert.equal(envOf(sidecarOf(out)).KTS_LISTEN, ':9465');
    assert.ok(r.injected && r.warnings.some((w) => /9465/.test(w)));
  });

  it('run-to-completion pods: a plain sidecar exits with the workload before 1.29; a native one needs nothing', () => {
    for (const policy of ['Never', 'OnFailure']) {
      const plain = injectPod(gpuPod({ restartPolicy: policy }), { image: IMAGE, serverMinor: 28 });
      assert.equal(envOf(sidecarOf(valid(plain))).KTS_EXIT_WITH, 'server', policy);
      const native = injectPod(gpuPod({ restartPolicy: policy }), { image: IMAGE, serverMinor: 29 });
      assert.equal(envOf(sidecarOf(valid(native))).KTS_EXIT_WITH, undefined, `${policy}: the kubelet ends native sidecars`);
    }
    const always = injectPod(gpuPod({ restartPolicy: 'Always' }), { image: IMAGE, serverMinor: 28 });
    assert.equal(envOf(sidecarOf(valid(always))).KTS_EXIT_WITH, undefined);
  });

  it('the cri source mounts the host log directory into the sidecar only, under a fresh name', () => {
    const pod = gpuPod({ volumes: [{ name: 'kts-pod-logs', emptyDir: {} }] }, 'nvidia.com/gpu', { 'kts.dev/source': 'cri' });
    (pod.spec?.containers[0] as V1Container).volumeMounts = [{ name: 'kts-pod-logs', mountPath: '/data' }];
    const out = valid(injectPod(pod, { image: IMAGE, serverMinor: 30 }));
    const host = out.spec?.volumes?.find((v) => v.hostPath !== undefined);
    assert.equal(host?.name, 'kts-pod-logs-1');
    // A container that mounts a volume name the pod does not define (invalid as written) is not
    // made valid by ours: the name is taken too.
    const guess = gpuPod({}, 'nvidia.com/gpu', { 'kts.dev/source': 'cri' });
    (guess.spec?.containers[0] as V1Container).volumeMounts = [{ name: 'kts-pod-logs', mountPath: '/host-logs' }];
    const r = injectPod(guess, { image: IMAGE, serverMinor: 30 });
    assert.ok(r.injected);
    assert.equal(r.pod.spec?.volumes?.find((v) => v.hostPath !== undefined)?.name, 'kts-pod-logs-1');
    assert.ok(
      !out.spec?.containers.some((c) => c.volumeMounts?.some((m) => m.name === host?.name)),
      'no workload container mounts the host path',
    );
  });

  it('kts.dev/source prom: the sidecar reads the workload container own histogram, configured from the annotations', () => {
    const vllm = gpuPod({}, 'nvidia.com/gpu.shared', {
      'kts.dev/source': 'prom',
      'kts.dev/metrics-port': 'http',
      'kts.dev/preset': 'vllm-itl',
      'kts.dev/prom-labels': 'model_name=llama',
    });
    (vllm.spec?.containers[0] as V1Container).ports = [{ name: 'http', containerPort: 8000 }];
    const out = valid(injectPod(vllm, { image: IMAGE, serverMinor: 30 }));
    const env = envOf(sidecarOf(out));
    assert.equal(env.KTS_SOURCE, 'prom:http://127.0.0.1:8000/metrics');
    assert.equal(env.KTS_PRESET, 'vllm-itl');
    assert.equal(env.KTS_PROM_LABELS, 'model_name=llama');
    // What the injector writes is a configuration kts serve accepts.
    const cfg = resolveConfig({}, { ...(env as Record<string, string>), POD_NAME: 'infer-0', POD_NAMESPACE: 'gpu' });
    assert.deepEqual(cfg.source, [{ kind: 'prom', url: 'http://127.0.0.1:8000/metrics' }]);
    assert.equal(cfg.preset, 'vllm-itl');

    const triton = gpuPod({}, 'nvidia.com/gpu', {
      'kts.dev/source': 'prom',
      'kts.dev/metrics-path': '/metrics',
      'kts.dev/preset': 'triton-first-response',
    });
    (triton.spec?.containers[0] as V1Container).ports = [
      { name: 'http', containerPort: 8000 },
      { name: 'grpc', containerPort: 8001 },
      { name: 'metrics', containerPort: 8002 },
    ];
    assert.equal(
      envOf(sidecarOf(valid(injectPod(triton, { image: IMAGE, serverMinor: 30 })))).KTS_SOURCE,
      'prom:http://127.0.0.1:8002/metrics',
    );

    for (const [ann, why] of [
      [{ 'kts.dev/source': 'prom', 'kts.dev/preset': 'vllm-itl' }, /metrics-port/],
      [{ 'kts.dev/source': 'prom', 'kts.dev/metrics-port': '8000' }, /kts.dev\/preset/],
      [{ 'kts.dev/source': 'prom', 'kts.dev/metrics-port': '8000', 'kts.dev/preset': 'vllm-typo' }, /not one of/],
      [{ 'kts.dev/source': 'prom', 'kts.dev/metrics-port': '99999', 'kts.dev/preset': 'vllm-itl' }, /metrics-port/],
    ] as const) {
      const r = injectPod(gpuPod({}, 'nvidia.com/gpu', { ...ann }), { image: IMAGE, serverMinor: 30 });
      assert.equal(r.injected, false);
      assert.match(r.injected ? '' : r.reason, why);
    }
  });
});
