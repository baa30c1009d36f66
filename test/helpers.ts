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
