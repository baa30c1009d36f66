/**
 * The one place that builds @kubernetes/client-node clients, for the cluster-wide components
 * (kts webhook, kts guard, kts inject): kubeconfig from $KUBECONFIG or ~/.kube/config when
 * present, else the pod's service account (in-cluster). The sidecar (`kts serve`) does not
 * load this module: it has its own small client (src/k8s/rest.ts). It learns who it is from
 * the downward API (POD_NAME, POD_NAMESPACE).
 */
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { PodRef } from './errors.js';

export { apiErrorCode, errorMessage, type PodRef } from './errors.js';

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
