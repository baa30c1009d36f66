/** Where stored baselines live: a file or a ConfigMap, behind one small interface. */
import type { BaselineDocument } from '../stats/baseline.js';

export type LoadResult = { ok: true; doc: BaselineDocument } | { ok: false; error: string; missing?: boolean };

export interface BaselineStore {
  /** For logs and the status page, e.g. `file /etc/kts/baseline.json` or `configmap gpu/kts-baselines key baseline.json`. */
  readonly description: string;
  load(): Promise<LoadResult>;
  /** Calls `onLoad` with every successful (re)load and `onError` with failures; returns a stop function. */
  watch(onLoad: (doc: BaselineDocument) => void, onError: (error: string) => void): () => void;
  /** Replaces the stored document (capture mode). */
  write(doc: BaselineDocument): Promise<void>;
}

export function parseJsonDocument(
  text: string,
  where: string,
  parse: (json: unknown) => { ok: true; doc: BaselineDocument } | { ok: false; error: string },
): LoadResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${where} is not valid JSON: ${(err as Error).message}` };
  }
  const r = parse(json);
  return r.ok ? r : { ok: false, error: `${where}: ${r.error}` };
}
