/**
 * The Kubernetes adapters `kts serve` uses, in one module that is imported only when a
 * source, the baseline, pod signals or --exit-with need the API. They talk to it through the
 * sidecar's own small client (src/k8s/rest.ts): nothing reachable from here loads
 * @kubernetes/client-node (about 30 MB of resident memory; test/serve/lean-k8s.test.ts
 * checks the import graph).
 */
import type { Logger } from 'pino';
import { ConfigMapBaselineStore } from '../baselines/configmap-store.js';
import { watchCompletion } from '../k8s/completion.js';
import type { PodRef } from '../k8s/errors.js';
import { KubeRest, unconfigured } from '../k8s/rest.js';
import { KubeConfigError, loadRestConfig } from '../k8s/rest-config.js';
import { SidecarApi } from '../k8s/sidecar-api.js';
import { PodSignaller } from '../k8s/signal.js';
import type { LineDecoder } from '../line/decoder.js';
import { K8sLogSource, type K8sLogSourceOptions } from '../sources/k8s-logs.js';
import type { ServeConfig } from './config.js';

/**
 * Connects to the API (configuration as src/k8s/rest-config.ts finds it) and returns the
 * adapters bound to that client. A broken configuration throws KubeConfigError (one line).
 * So does a missing one, unless only default-on pod signals want the API: then each signal
 * fails (counted and logged) with the reason, as before when they went to localhost:8080.
 */
export async function connectKube(cfg: ServeConfig, log: Logger) {
  const asked =
    cfg.source.some((s) => s.kind === 'k8s-logs') ||
    cfg.baseline?.kind === 'configmap' ||
    cfg.podSignals === 'true' ||
    cfg.exitWith !== undefined;
  let api: SidecarApi;
  let close = (): void => {};
  try {
    const rest = new KubeRest(await loadRestConfig());
    log.debug({ kube: rest.config.description, server: rest.config.server.origin }, 'Kubernetes API client configured');
    api = new SidecarApi(rest);
    close = () => rest.close();
  } catch (err) {
    if (!(err instanceof KubeConfigError && err.absent && !asked)) throw err;
    log.warn({ err: err.message }, 'pod signals cannot reach the Kubernetes API');
    api = new SidecarApi(unconfigured(err.message));
  }
  return {
    api,
    /** Closes kept-alive connections (after the sources and watches have stopped). */
    close,
    logSource: (pod: PodRef, container: string, decoder: LineDecoder, opts: K8sLogSourceOptions) =>
      new K8sLogSource(api, pod, container, decoder, opts),
    baselineStore: (namespace: string, name: string, key: string) => new ConfigMapBaselineStore(api, namespace, name, key),
    signaller: (pod: PodRef & { uid?: string }, onError: (what: string, message: string) => void) => new PodSignaller(api, pod, onError),
    watchCompletion: (
      pod: PodRef,
      container: string,
      onDone: (exitCode: number | undefined) => void,
      onError: (message: string) => void,
      intervalMs?: number,
    ) => watchCompletion(api, pod, container, onDone, onError, intervalMs),
  };
}
