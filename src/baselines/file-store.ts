/**
 * Baselines from a JSON file, reloaded when it changes (polling stat, which follows the
 * symlink swap Kubernetes uses to update a mounted ConfigMap).
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { type BaselineDocument, parseBaselineDocument } from '../stats/baseline.js';

export type LoadResult = { ok: true; doc: BaselineDocument } | { ok: false; error: string };

export async function loadBaselineFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return { ok: false, error: `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String((err as Error).message)}` };
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    return { ok: false, error: `${path} is not valid JSON: ${(err as Error).message}` };
  }
  const r = parseBaselineDocument(json);
  return r.ok ? r : { ok: false, error: `${path}: ${r.error}` };
}

/** Calls `onLoad` with every successful (re)load and `onError` with failures; returns a stop function. */
export function watchBaselineFile(
  path: string,
  intervalMs: number,
  onLoad: (doc: BaselineDocument) => void,
  onError: (error: string) => void,
): () => void {
  const listener = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs === prev.mtimeMs && curr.size === prev.size && curr.ino === prev.ino) return;
    void loadBaselineFile(path).then((r) => (r.ok ? onLoad(r.doc) : onError(r.error)));
  };
  watchFile(path, { interval: intervalMs, persistent: false }, listener);
  return () => unwatchFile(path, listener);
}
