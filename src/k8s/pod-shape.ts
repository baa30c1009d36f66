/**
 * What the injector must respect in a pod it did not write, so that the patch always yields a
 * valid pod that means what it meant before: names and paths already taken, Windows pods, a
 * pod without a service account token, ports in use. Pure functions of the spec.
 */
import type { V1Container, V1PodSpec, V1Volume } from '@kubernetes/client-node';

/** `base`, else `base-1`, `base-2`, ...: the first not in `taken`. */
export function freeName(taken: ReadonlySet<string>, base: string): string {
  if (!taken.has(base)) return base;
  for (let i = 1; ; i++) if (!taken.has(`${base}-${i}`)) return `${base}-${i}`;
}

/**
 * Volume names the pod uses: its volumes and every name a container mounts (even one with no
 * volume, which would make the pod invalid today and must not be made valid by ours, e.g. a
 * workload container mounting the cri source's host path by guessing its name).
 */
export function volumeNames(spec: V1PodSpec): Set<string> {
  const mounts = [...spec.containers, ...(spec.initContainers ?? []), ...(spec.ephemeralContainers ?? [])].flatMap((c) =>
    (c.volumeMounts ?? []).map((m) => m.name),
  );
  return new Set([...(spec.volumes ?? []).map((v) => v.name), ...mounts]);
}

/** The pod runs on Windows nodes (spec.os or the well-known node selector). */
export function isWindows(spec: V1PodSpec): boolean {
  return spec.os?.name === 'windows' || spec.nodeSelector?.['kubernetes.io/os'] === 'windows';
}

/** The first port from `preferred` up that no container of the pod declares. */
export function freePort(spec: V1PodSpec, preferred: number): number {
  const used = new Set(
    [...spec.containers, ...(spec.initContainers ?? [])].flatMap((c) =>
      (c.ports ?? []).flatMap((p) => [p.containerPort, p.hostPort ?? -1]),
    ),
  );
  let p = preferred;
  while (used.has(p)) p++;
  return p;
}

/** Where a service account token is mounted in a container. */
export const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

/**
 * A projected volume with what the in-cluster client reads (token, CA, namespace), for a
 * sidecar in a pod that opted out of the token: only the container that mounts it has it.
 */
export function projectedToken(name: string): V1Volume {
  return {
    name,
    projected: {
      defaultMode: 0o444,
      sources: [
        { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
        { downwardAPI: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
      ],
    },
  };
}

/** The directory part of an absolute path ('/a/b/c.log' -> '/a/b'). */
export function dirOf(path: string): string {
  const i = path.lastIndexOf('/');
  return i <= 0 ? '/' : path.slice(0, i);
}

/** The mount of `target` at exactly `path`, if any. */
export function mountAt(target: V1Container, path: string): { name: string } | undefined {
  return (target.volumeMounts ?? []).find((m) => m.mountPath.replace(/\/+$/, '') === path);
}
