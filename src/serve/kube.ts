/**
 * The Kubernetes adapters `kts serve` uses, in one module that is imported only when a
 * source or baseline needs the API (loading @kubernetes/client-node costs most of a second).
 */
export { ConfigMapBaselineStore } from '../baselines/configmap-store.js';
export { coreApi, loadKubeConfig } from '../k8s/client.js';
export { watchCompletion } from '../k8s/completion.js';
export { PodSignaller } from '../k8s/signal.js';
export { K8sLogSource } from '../sources/k8s-logs.js';
