/**
 * The one place that builds Kubernetes API clients: kubeconfig from $KUBECONFIG or
 * ~/.kube/config when present, else the pod's service account (in-cluster). The sidecar
 * learns who it is from the downward API (POD_NAME, POD_NAMESPACE).
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';

export interface PodRef {
  namespace: string;
  name: string;
}

export function loadKubeConfig(): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromDefault();
  return kc;
}

export function coreApi(kc: KubeConfig): CoreV1Api {
  return kc.makeApiClient(CoreV1Api);
}

/** The sidecar's own pod from the downward API; undefined when not running in a pod. */
export function podFromEnv(env: NodeJS.ProcessEnv): PodRef | undefined {
  const name = env.POD_NAME;
  const namespace = env.POD_NAMESPACE;
  if (name === undefined || name === '' || namespace === undefined || namespace === '') return undefined;
  return { name, namespace };
}

/** Status code of a failed client call (ApiException.code), if any. */
export function apiErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function errorMessage(err: unknown): string {
  const code = apiErrorCode(err);
  const body = (err as { body?: unknown } | null)?.body;
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  if (code !== undefined) return `HTTP ${code}${typeof message === 'string' ? `: ${message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
