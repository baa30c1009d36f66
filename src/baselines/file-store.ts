/**
 * Baselines from a JSON file, reloaded when it changes (polling stat, which follows the
 * symlink swap Kubernetes uses to update a mounted ConfigMap).
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import { open, rename, writeFile } from 'node:fs/promises';
import { type BaselineDocument, parseBaselineDocument } from '../stats/baseline.js';
import { type BaselineStore, type LoadResult, MAX_BASELINE_BYTES, parseJsonDocument, tooLargeError } from './store.js';

export type { LoadResult } from './store.js';

export async function loadBaselineFile(path: string): Promise<LoadResult> {
  let text: string;
  try {
    // Read at most one byte over the limit: the size is known without reading a huge file.
    const f = await open(path, 'r');
    try {
      const size = (await f.stat()).size;
      if (size > MAX_BASELINE_BYTES) return { ok: false, error: tooLargeError(path, size) };
      const buf = Buffer.alloc(MAX_BASELINE_BYTES + 1);
      const { bytesRead } = await f.read(buf, 0, buf.length, 0);
      if (bytesRead > MAX_BASELINE_BYTES) return { ok: false, error: tooLargeError(path, bytesRead) };
      text = buf.toString('utf8', 0, bytesRead);
    } finally {
      await f.close();
    }
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    return {
      ok: false,
      missing: code === 'ENOENT',
      error: `cannot read ${path}: ${code === 'ENOENT' ? 'no such file' : String((err as Error).message)}`,
    };
  }
  return parseJsonDocument(text, path, parseBaselineDocument);
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

export class FileBaselineStore implements BaselineStore {
  readonly description: string;

  constructor(
    private readonly path: string,
    private readonly pollMs: number,
  ) {
    this.description = `file ${path}`;
  }

  load(): Promise<LoadResult> {
    return loadBaselineFile(this.path);
  }

  watch(onLoad: (doc: BaselineDocument) => void, onError: (error: string) => void): () => void {
    return watchBaselineFile(this.path, this.pollMs, onLoad, onError);
  }

  /** Written to a temporary file and renamed, so a reader never sees half a document. */
  async write(doc: BaselineDocument): Promise<void> {
    const tmp = `${this.path}.tmp-${process.pid}`;
    await writeFile(tmp, `${JSON.stringify(doc, null, 2)}\n`);
    await rename(tmp, this.path);
  }
}
