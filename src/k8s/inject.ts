/**
 * The sidecar injection as a pure function of a pod (or pod template) spec: what the webhook
 * patches in and what `kts inject` writes out. No I/O here.
 */
import type { V1Container, V1EnvVar, V1ObjectMeta, V1PodSpec, V1Toleration, V1Volume } from '@kubernetes/client-node';
import { requestsGpu } from './gpu-resources.js';
import { dirOf, freeName, freePort, isWindows, mountAt, projectedToken, TOKEN_DIR, volumeNames } from './pod-shape.js';
import { promSource } from './prom-wiring.js';

export const SIDECAR_NAME = 'kts-sidecar';
export const METRICS_PORT = 9464;
export const LABEL_INJECT = 'kts.dev/inject';
export const ANNOTATION = {
  injected: 'kts.dev/injected',
  source: 'kts.dev/source',
  container: 'kts.dev/container',
  force: 'kts.dev/inject-force',
} as const;
export const LABEL_TIER = 'kts.dev/tier';
export const TIERS = ['gold', 'elastic'] as const;
export type Tier = (typeof TIERS)[number];
/** The taint `kts guard` keeps on nodes running active gold work, and what lets gold pods land there. */
export const GOLD_TAINT = { key: 'kts.dev/gold-active', value: 'true', effect: 'NoSchedule' } as const;
export const GOLD_TOLERATION: V1Toleration = { key: GOLD_TAINT.key, operator: 'Equal', value: GOLD_TAINT.value, effect: GOLD_TAINT.effect };
export const SOURCES = ['k8s-logs', 'cri', 'file', 'prom'] as const;
export type SourceKind = (typeof SOURCES)[number];

/** API server minor version from which native sidecars (initContainers with restartPolicy Always) are on by default. */
export const NATIVE_SIDECAR_MINOR = 29;

export interface InjectOptions {
  image: string;
  /** Minor version of the API server (1.<minor>); native sidecar from NATIVE_SIDECAR_MINOR. */
  serverMinor: number;
  /** Inject even without a GPU request. */
  force?: boolean;
}

export interface PodLike {
  metadata?: V1ObjectMeta;
  spec?: V1PodSpec;
}

export type InjectResult =
  | { injected: true; pod: PodLike; container: string; source: SourceKind; native: boolean; warnings: string[] }
  | { injected: false; reason: string };

export function alreadyInjected(pod: PodLike): boolean {
  const s = pod.spec;
  return (
    pod.metadata?.annotations?.[ANNOTATION.injected] === 'true' ||
    [...(s?.containers ?? []), ...(s?.initContainers ?? [])].some((c) => c.name === SIDECAR_NAME)
  );
}

/** The sidecar's heap bounds (V8) and memory limit: `kts serve` sizes its caps to fit them. */
export const SIDECAR_NODE_OPTIONS = '--max-semi-space-size=1 --max-old-space-size=48';
export const SIDECAR_MEMORY_LIMIT = '160Mi';
/**
 * glibc's malloc for a small, mostly idle process: two arenas instead of one per thread that
 * ever allocated (V8's and libuv's workers), and free memory given back above 128 KiB instead
 * of a threshold that grows with the largest block freed. 2 MB less RSS idle (docs/sizing.md).
 */
export const SIDECAR_RUNTIME_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '131072' } as const;

const fieldEnv = (name: string, fieldPath: string): V1EnvVar => ({ name, valueFrom: { fieldRef: { fieldPath } } });

function sidecar(image: string, source: string, port: number, extraEnv: V1EnvVar[], mounts: V1Container['volumeMounts']): V1Container {
  return {
    name: SIDECAR_NAME,
    image,
    args: ['serve'],
    env: [
      fieldEnv('POD_NAME', 'metadata.name'),
      fieldEnv('POD_NAMESPACE', 'metadata.namespace'),
      fieldEnv('POD_UID', 'metadata.uid'),
      fieldEnv('HOST_IP', 'status.hostIP'),
      fieldEnv('NODE_NAME', 'spec.nodeName'),
      { name: 'KTS_SOURCE', value: source },
      { name: 'KTS_LISTEN', value: `:${port}` },
      { name: 'KTS_POD_ANNOTATIONS', value: '/etc/kts/podinfo/annotations' },
      { name: 'NODE_OPTIONS', value: SIDECAR_NODE_OPTIONS },
      ...Object.entries(SIDECAR_RUNTIME_ENV).map(([name, value]) => ({ name, value })),
      ...extraEnv,
    ],
    ports: [{ name: 'kts-metrics', containerPort: port, protocol: 'TCP' }],
    resources: { requests: { cpu: '20m', memory: '96Mi' }, limits: { cpu: '500m', memory: SIDECAR_MEMORY_LIMIT } },
    // No readiness probe: a monitoring sidecar must never take the workload pod out of its Services.
    livenessProbe: { httpGet: { path: '/livez', port: 'kts-metrics' }, periodSeconds: 20, failureThreshold: 3 },
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      readOnlyRootFilesystem: true,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ['ALL'] },
      seccompProfile: { type: 'RuntimeDefault' },
    },
    volumeMounts: mounts ?? [],
  };
}

/** Returns the pod with the sidecar added, or why it was left alone. Never mutates its input. */
export function injectPod(input: PodLike, opts: InjectOptions): InjectResult {
  if (alreadyInjected(input)) return { injected: false, reason: 'already injected' };
  const pod = structuredClone(input) as PodLike;
  const spec = pod.spec;
  if (spec === undefined || spec.containers.length === 0) return { injected: false, reason: 'no containers' };
  const annotations = pod.metadata?.annotations ?? {};
  const force = opts.force === true || annotations[ANNOTATION.force] === 'true';
  const named = annotations[ANNOTATION.container];
  const target =
    named !== undefined
      ? spec.containers.find((c) => c.name === named)
      : (spec.containers.find(requestsGpu) ?? (force ? spec.containers[0] : undefined));
  if (named !== undefined && target === undefined)
    return { injected: false, reason: `container ${named} (${ANNOTATION.container}) not found` };
  if (target === undefined)
    return { injected: false, reason: 'no container requests a GPU (nvidia.com/gpu); force with kts.dev/inject-force: "true"' };
  if (!force && !requestsGpu(target) && named === undefined) return { injected: false, reason: 'no GPU request' };
  const rawSource = annotations[ANNOTATION.source] ?? 'k8s-logs';
  if (!(SOURCES as readonly string[]).includes(rawSource))
    return { injected: false, reason: `${ANNOTATION.source}: '${rawSource}' is not one of ${SOURCES.join(', ')}` };
  const source = rawSource as SourceKind;
  if (isWindows(spec)) return { injected: false, reason: 'Windows pod: the kts sidecar image is Linux-only' };

  const warnings: string[] = [];
  // Names the pod already uses are left to it: ours get a suffix, so no volume is shared by accident.
  const taken = volumeNames(spec);
  const vol = (base: string): string => {
    const n = freeName(taken, base);
    taken.add(n);
    return n;
  };
  const podinfo = vol('kts-podinfo');
  const volumes: V1Volume[] = [
    { name: podinfo, downwardAPI: { items: [{ path: 'annotations', fieldRef: { fieldPath: 'metadata.annotations' } }] } },
  ];
  let sourceSpec = `${source}:${target.name}`;
  const mounts: NonNullable<V1Container['volumeMounts']> = [{ name: podinfo, mountPath: '/etc/kts/podinfo', readOnly: true }];
  if (source === 'cri') {
    // The host's pod logs: mounted into the sidecar only, under a name no workload container refers to.
    const logs = vol('kts-pod-logs');
    volumes.push({ name: logs, hostPath: { path: '/var/log/pods', type: 'Directory' } });
    mounts.push({ name: logs, mountPath: '/var/log/pods', readOnly: true });
  }
  if (source === 'file') {
    const given = target.env?.find((e) => e.name === 'KTS_LOG_FILE');
    let file = given?.value;
    if (file === undefined || !file.startsWith('/')) {
      let dir = '/var/log/kts';
      for (let i = 1; mountAt(target, dir) !== undefined; i++) dir = `/var/log/kts-${i}`;
      file = `${dir}/${target.name}.log`;
    }
    sourceSpec = `file:${file}`;
    const dir = dirOf(file);
    const existing = mountAt(target, dir);
    if (existing !== undefined) {
      // The workload already writes there through a volume of its own: the sidecar reads it.
      mounts.push({ name: existing.name, mountPath: dir, readOnly: true });
    } else {
      const logs = vol('kts-logs');
      volumes.push({ name: logs, emptyDir: { sizeLimit: '256Mi' } });
      mounts.push({ name: logs, mountPath: dir, readOnly: true });
      target.volumeMounts = [...(target.volumeMounts ?? []), { name: logs, mountPath: dir }];
    }
    if (given === undefined) target.env = [...(target.env ?? []), { name: 'KTS_LOG_FILE', value: file }];
    else if (given.value !== file)
      warnings.push(`KTS_LOG_FILE of ${target.name} is not a literal absolute path; the sidecar follows ${file}`);
  }
  const promEnv: V1EnvVar[] = [];
  if (source === 'prom') {
    const p = promSource(target, annotations);
    if ('error' in p) return { injected: false, reason: p.error };
    sourceSpec = p.source;
    promEnv.push(...p.env);
  }
  if (spec.automountServiceAccountToken === false) {
    // The pod opted out of its token; the sidecar (logs, Events, ConfigMap baselines) needs one.
    // A projected token mounted into the sidecar alone keeps the workload containers without it.
    const token = vol('kts-token');
    volumes.push(projectedToken(token));
    mounts.push({ name: token, mountPath: TOKEN_DIR, readOnly: true });
    warnings.push(
      `automountServiceAccountToken is false: the kts sidecar alone mounts a projected service account token (${token}) for its ${source} source and signals`,
    );
  }
  const port = freePort(spec, METRICS_PORT);
  if (port !== METRICS_PORT) warnings.push(`port ${METRICS_PORT} is taken in the pod: the kts sidecar listens on ${port}`);
  if (spec.hostNetwork === true) warnings.push(`hostNetwork pod: the kts sidecar listens on the node's port ${port}`);
  const rawTier = pod.metadata?.labels?.[LABEL_TIER];
  let tierEnv: V1EnvVar = fieldEnv('KTS_TIER', `metadata.labels['${LABEL_TIER}']`);
  if (rawTier !== undefined && !(TIERS as readonly string[]).includes(rawTier)) {
    // A typo in a label must not crash-loop the sidecar: monitor the pod as tier-less and say so.
    tierEnv = { name: 'KTS_TIER', value: '' };
    warnings.push(`${LABEL_TIER}: '${rawTier}' is not one of ${TIERS.join(', ')}; the pod is monitored without a tier`);
  }
  if (rawTier === 'gold') {
    const has = (spec.tolerations ?? []).some(
      (t) => t.key === GOLD_TOLERATION.key && (t.effect === undefined || t.effect === GOLD_TOLERATION.effect),
    );
    if (!has) spec.tolerations = [...(spec.tolerations ?? []), { ...GOLD_TOLERATION }];
  }
  // The workload's GPU, when its spec names one (NVIDIA_VISIBLE_DEVICES set in the manifest).
  // Under another name: NVIDIA_VISIBLE_DEVICES on the sidecar would make the NVIDIA runtime
  // give the sidecar the GPU. A GPU the device plugin assigns is not known at admission; the
  // sidecar finds that one through dcgm-exporter's pod mapping.
  const visible = target.env?.find((e) => e.name === 'NVIDIA_VISIBLE_DEVICES');
  const handover: V1EnvVar[] =
    visible === undefined
      ? []
      : [
          {
            name: 'KTS_WORKLOAD_VISIBLE_DEVICES',
            ...(visible.value !== undefined ? { value: visible.value } : {}),
            ...(visible.valueFrom ? { valueFrom: visible.valueFrom } : {}),
          },
        ];
  const native = opts.serverMinor >= NATIVE_SIDECAR_MINOR;
  // A plain sidecar would keep a run-to-completion pod (a Job's) running after its work ended.
  const completion: V1EnvVar[] = [];
  if (!native && (spec.restartPolicy === 'Never' || spec.restartPolicy === 'OnFailure')) {
    completion.push({ name: 'KTS_EXIT_WITH', value: target.name });
    warnings.push(`restartPolicy ${spec.restartPolicy} without native sidecars: the kts sidecar exits once ${target.name} has terminated`);
  }
  const container = sidecar(opts.image, sourceSpec, port, [tierEnv, ...handover, ...completion, ...promEnv], mounts);
  if (native) spec.initContainers = [...(spec.initContainers ?? []), { ...container, restartPolicy: 'Always' }];
  else spec.containers = [...spec.containers, container];
  spec.volumes = [...(spec.volumes ?? []), ...volumes];
  // The label lets the monitoring overlay's PodMonitor find every injected pod.
  pod.metadata = {
    ...(pod.metadata ?? {}),
    labels: { ...(pod.metadata?.labels ?? {}), [ANNOTATION.injected]: 'true' },
    annotations: { ...annotations, [ANNOTATION.injected]: 'true' },
  };
  return { injected: true, pod, container: target.name, source, native, warnings };
}
