/**
 * Baselines from a ConfigMap key through the Kubernetes API, watched (a change applies
 * without a restart, and without waiting for the kubelet to refresh a mounted volume).
 * The watch is re-established with back-off when it ends; capture mode writes the document
 * back (create, or replace with the read resourceVersion, retried on conflict).
 */
import { apiErrorCode, errorMessage } from '../k8s/errors.js';
import type { Abortable } from '../k8s/rest.js';
import type { ConfigMap, SidecarApi } from '../k8s/sidecar-api.js';
import { Backoff } from '../sources/backoff.js';
import { type BaselineDocument, parseBaselineDocument } from '../stats/baseline.js';
import { type BaselineStore, type LoadResult, parseJsonDocument } from './store.js';

/** What the store needs of the API. */
export type ConfigMapApi = Pick<
  SidecarApi,
  'readNamespacedConfigMap' | 'createNamespacedConfigMap' | 'replaceNamespacedConfigMap' | 'watchConfigMap'
>;

export class ConfigMapBaselineStore implements BaselineStore {
  readonly description: string;
  /** Watch restarts (the API server ends watches every few minutes; drops count too). */
  watchRestarts = 0;

  constructor(
    private readonly api: ConfigMapApi,
    private readonly namespace: string,
    private readonly name: string,
    private readonly key: string,
    private readonly backoff = new Backoff(500, 30_000),
  ) {
    this.description = `configmap ${namespace}/${name} key ${key}`;
  }

  private fromObject(cm: ConfigMap | undefined): LoadResult {
    const text = cm?.data?.[this.key];
    if (text === undefined) return { ok: false, missing: true, error: `${this.description}: no such key` };
    return parseJsonDocument(text, this.description, parseBaselineDocument);
  }

  async load(): Promise<LoadResult> {
    try {
      return this.fromObject(await this.api.readNamespacedConfigMap({ name: this.name, namespace: this.namespace }));
    } catch (err) {
      const missing = apiErrorCode(err) === 404;
      return { ok: false, missing, error: `${this.description}: ${missing ? 'not found' : errorMessage(err)}` };
    }
  }

  watch(onLoad: (doc: BaselineDocument) => void, onError: (error: string) => void): () => void {
    let stopped = false;
    let abort: Abortable | undefined;
    let timer: NodeJS.Timeout | undefined;
    let lastVersion: string | undefined;
    const restart = (err: unknown): void => {
      if (stopped) return;
      this.watchRestarts++;
      if (err !== null && err !== undefined && !(err instanceof Error && err.name === 'AbortError')) {
        onError(`${this.description}: watch ended: ${errorMessage(err)}`);
      }
      timer = setTimeout(start, this.backoff.next());
    };
    const start = (): void => {
      if (stopped) return;
      this.api
        .watchConfigMap(
          { namespace: this.namespace, name: this.name },
          (phase, obj) => {
            this.backoff.reset();
            const version = obj.metadata?.resourceVersion;
            if (phase === 'DELETED') {
              lastVersion = undefined;
              onError(`${this.description}: deleted; keeping the baseline in use`);
              return;
            }
            if ((phase !== 'ADDED' && phase !== 'MODIFIED') || version === lastVersion) return;
            lastVersion = version;
            const r = this.fromObject(obj);
            if (r.ok) onLoad(r.doc);
            else onError(r.error);
          },
          restart,
        )
        .then((a) => {
          abort = a;
          if (stopped) a.abort();
        }, restart);
    };
    start();
    return () => {
      stopped = true;
      if (timer !== undefined) clearTimeout(timer);
      abort?.abort();
    };
  }

  async write(doc: BaselineDocument): Promise<void> {
    const value = `${JSON.stringify(doc, null, 2)}\n`;
    for (let attempt = 0; ; attempt++) {
      let current: ConfigMap | undefined;
      try {
        current = await this.api.readNamespacedConfigMap({ name: this.name, namespace: this.namespace });
      } catch (err) {
        if (apiErrorCode(err) !== 404) throw new Error(`${this.description}: ${errorMessage(err)}`);
      }
      try {
        if (current === undefined) {
          await this.api.createNamespacedConfigMap({
            namespace: this.namespace,
            body: {
              apiVersion: 'v1',
              kind: 'ConfigMap',
              metadata: { name: this.name, namespace: this.namespace },
              data: { [this.key]: value },
            },
          });
        } else {
          await this.api.replaceNamespacedConfigMap({
            name: this.name,
            namespace: this.namespace,
            body: { ...current, data: { ...(current.data ?? {}), [this.key]: value } },
          });
        }
        return;
      } catch (err) {
        const code = apiErrorCode(err);
        if ((code === 409 || code === 404) && attempt < 3) continue;
        throw new Error(`${this.description}: ${errorMessage(err)}`);
      }
    }
  }
}
