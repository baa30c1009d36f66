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

/**
 * Largest baseline document read (1 MiB, what a ConfigMap can hold): a larger one is refused
 * before it is parsed, so a stray file cannot exhaust the sidecar's small heap.
 */
export const MAX_BASELINE_BYTES = 1024 * 1024;

export function tooLargeError(where: string, bytes: number): string {
  return `${where} is ${bytes} bytes, over the ${MAX_BASELINE_BYTES}-byte limit for a baseline document`;
}

export function parseJsonDocument(
  text: string,
  where: string,
  parse: (json: unknown) => { ok: true; doc: BaselineDocument } | { ok: false; error: string },
): LoadResult {
  if (text.length > MAX_BASELINE_BYTES) return { ok: false, error: tooLargeError(where, Buffer.byteLength(text)) };
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${where} is not valid JSON: ${(err as Error).message}` };
  }
  const r = parse(json);
  return r.ok ? r : { ok: false, error: `${where}: ${r.error}` };
}
