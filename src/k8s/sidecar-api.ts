/**
 * The Kubernetes API operations of `kts serve`, over its own REST client (./rest.ts), with
 * the requests @kubernetes/client-node's CoreV1Api, Watch and Log made for them before:
 * ConfigMap read / create / replace / watch (the baseline), pod read (--exit-with), pod
 * status patch and Event create (pod signals), container log follow (k8s-logs source).
 * Objects come back as the API server's JSON (timestamps are strings).
 */
import type { Writable } from 'node:stream';
import type { CoreV1Event } from '@kubernetes/client-node';
import { type Abortable, KubeRest, type RestTransport } from './rest.js';
import { type LoadOptions, loadRestConfig } from './rest-config.js';
import { type WatchOptions, watch } from './watch.js';

export interface ObjectMeta {
  name?: string;
  namespace?: string;
  uid?: string;
  resourceVersion?: string;
  generateName?: string;
  [field: string]: unknown;
}

export interface ConfigMap {
  apiVersion?: string;
  kind?: string;
  metadata?: ObjectMeta;
  data?: Record<string, string>;
  [field: string]: unknown;
}

export interface ContainerStatus {
  name: string;
  state?: { terminated?: { exitCode: number; reason?: string } };
}

/** The parts of a pod the sidecar reads. */
export interface Pod {
  metadata?: { name?: string; namespace?: string; uid?: string; resourceVersion?: string };
  spec?: { restartPolicy?: string };
  status?: { containerStatuses?: ContainerStatus[] };
}

export interface NamedRef {
  namespace: string;
  name: string;
}

export interface LogFollow extends NamedRef {
  container: string;
  sinceTime?: string;
}

const enc = encodeURIComponent;
const ns = (namespace: string): string => `/api/v1/namespaces/${enc(namespace)}`;

export class SidecarApi {
  constructor(readonly rest: RestTransport) {}

  readNamespacedConfigMap(r: NamedRef): Promise<ConfigMap> {
    return this.rest.request('GET', `${ns(r.namespace)}/configmaps/${enc(r.name)}`);
  }

  createNamespacedConfigMap(r: { namespace: string; body: ConfigMap }): Promise<ConfigMap> {
    return this.rest.request('POST', `${ns(r.namespace)}/configmaps`, { body: r.body });
  }

  replaceNamespacedConfigMap(r: NamedRef & { body: ConfigMap }): Promise<ConfigMap> {
    return this.rest.request('PUT', `${ns(r.namespace)}/configmaps/${enc(r.name)}`, { body: r.body });
  }

  /** Watches one ConfigMap (fieldSelector metadata.name); see ./watch.ts for `done`. */
  watchConfigMap(
    r: NamedRef,
    onEvent: (type: string, cm: ConfigMap) => void,
    done: (err: unknown) => void,
    opts?: WatchOptions,
  ): Promise<Abortable> {
    return watch(this.rest, `${ns(r.namespace)}/configmaps`, { fieldSelector: `metadata.name=${r.name}` }, onEvent, done, opts);
  }

  readNamespacedPod(r: NamedRef): Promise<Pod> {
    return this.rest.request('GET', `${ns(r.namespace)}/pods/${enc(r.name)}`);
  }

  /** A strategic merge patch of the pod's status subresource (conditions merge by type). */
  patchNamespacedPodStatus(r: NamedRef & { body: object }): Promise<Pod> {
    return this.rest.request('PATCH', `${ns(r.namespace)}/pods/${enc(r.name)}/status`, {
      body: r.body,
      contentType: 'application/strategic-merge-patch+json',
    });
  }

  /** Same request shape as CoreV1Api's, so that src/k8s/events.ts serves both. */
  createNamespacedEvent(r: { namespace: string; body: CoreV1Event }): Promise<CoreV1Event> {
    return this.rest.request('POST', `${ns(r.namespace)}/events`, { body: r.body });
  }

  /**
   * Follows a container's log with timestamps, piping it into `sink` once the API server
   * answers 200 (rejects with KubeApiError otherwise). Query as @kubernetes/client-node's Log.
   */
  async followPodLog(r: LogFollow, sink: Writable): Promise<Abortable> {
    const open = await this.rest.stream(`${ns(r.namespace)}/pods/${enc(r.name)}/log`, {
      container: r.container,
      follow: 'true',
      pretty: 'true',
      previous: 'false',
      sinceTime: r.sinceTime,
      timestamps: 'true',
    });
    open.response.pipe(sink);
    return open;
  }
}

/** The sidecar's API client from the default configuration (see ./rest-config.ts). */
export async function connectSidecarApi(opts: LoadOptions = {}): Promise<SidecarApi> {
  return new SidecarApi(new KubeRest(await loadRestConfig(opts)));
}
