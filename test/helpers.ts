/** Shared test helpers: paths to the bundled fixtures and a sample collector. */
import { fileURLToPath } from 'node:url';
import { LineDecoder } from '../src/line/decoder.js';
import { copySample, type Sample } from '../src/line/types.js';

/** Repository root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const H100 = `${ROOT}test/fixtures/h100-2026-11-22`;
export const CLI = `${ROOT}dist/src/cli.js`;

export function decodeAll(chunks: readonly (string | Uint8Array)[]): { samples: Sample[]; decoder: LineDecoder } {
  const samples: Sample[] = [];
  const decoder = new LineDecoder((s) => samples.push(copySample(s)));
  for (const c of chunks) decoder.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  decoder.end();
  return { samples, decoder };
}

/** Polls `cond` every 20 ms until true; rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function ktsLines(workload: string, from: number, count: number): string {
  let out = '';
  for (let i = from; i < from + count; i++) {
    const start = 1795387891806522966n + BigInt(i) * 100_000_000n;
    out += `KTS_APP,v1,${workload},${i},${start},${start + 600_000n},0.412000,\n`;
  }
  return out;
}
