/**
 * Offline inputs: expands files and directories into a list of log files and streams each
 * through a {@link LineDecoder}. Errors name the path that caused them.
 */
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { LineDecoder } from '../line/decoder.js';

export class InputError extends Error {}

function describe(err: unknown): string {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  if (code === 'ENOENT') return 'no such file or directory';
  if (code === 'EACCES' || code === 'EPERM') return 'permission denied';
  if (code === 'EISDIR') return 'is a directory';
  return err instanceof Error ? err.message : String(err);
}

/** Files named directly, plus every regular file under named directories (sorted, no dot-files). */
export async function expandInputs(paths: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const p of paths) {
    let s: Awaited<ReturnType<typeof stat>>;
    try {
      s = await stat(p);
    } catch (err) {
      throw new InputError(`cannot read ${p}: ${describe(err)}`);
    }
    if (s.isDirectory()) out.push(...(await walk(p)));
    else out.push(p);
  }
  return out;
}

async function walk(dir: string): Promise<string[]> {
  let entries: import('node:fs').Dirent[];
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (err) {
    throw new InputError(`cannot read ${dir}: ${describe(err)}`);
  }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith('.')) continue;
    const full = join(dir, e.name);
    if (e.isDirectory()) out.push(...(await walk(full)));
    else if (e.isFile()) out.push(full);
  }
  return out;
}

/** Streams one file through the decoder (the final unterminated line included). */
export async function decodeFile(path: string, decoder: LineDecoder): Promise<void> {
  try {
    const stream = createReadStream(path, { highWaterMark: 1 << 20 });
    for await (const chunk of stream) decoder.push(chunk as Buffer);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${describe(err)}`);
  }
  decoder.end();
}
