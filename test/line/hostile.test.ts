/**
 * Hostile line generator: streams mixing good lines with every kind of bad one, each kind with
 * an exact expected count, cut into arbitrary chunks and wrapped bare, CRI (with partial
 * lines interleaved across stdout and stderr) or Docker. Every good line must come out once.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { MAX_PHYSICAL_LINE } from '../../src/line/decoder.js';
import { decodeAll } from '../helpers.js';

type Kind = 'good' | 'too_long' | 'huge_ignored' | 'out_of_range_device' | 'out_of_range_epoch' | 'bad_number' | 'ignored';

const GOOD = (i: number) => `KTS_APP,v1,W,${i},1795387891806522966,1795387891806947981,0.3`;
const BAD: Record<Exclude<Kind, 'good'>, (i: number) => string> = {
  too_long: (i) => `KTS_APP,v1,W,${i},1,2,${'7'.repeat(MAX_PHYSICAL_LINE + 1000 + i)}`,
  huge_ignored: (i) => `noise ${'x'.repeat(MAX_PHYSICAL_LINE * 2 + i)}`,
  out_of_range_device: (i) => `KTS_APP,v1,W,${i},1,2,${'9'.repeat(401)}`,
  out_of_range_epoch: (i) => `KTS_APP,v1,W,${i},18446744073709551616,18446744073709551617,0.3`,
  bad_number: (i) => `KTS_APP,v1,W,${i},1,2,0.3.3`,
  ignored: (i) => `UserWarning: step ${i}`,
};
const KINDS = ['good', 'good', 'good', ...Object.keys(BAD)] as Kind[];

/** Splits a CRI line into `parts` partial records on its stream, with a stderr line in between. */
function cri(line: string, parts: number, ts: string): string {
  if (parts <= 1 || line.length > 4096) return `${ts} stdout F ${line}\n`;
  const size = Math.ceil(line.length / parts);
  let out = '';
  for (let p = 0; p < parts; p++) {
    const piece = line.slice(p * size, (p + 1) * size);
    out += `${ts} stdout ${p === parts - 1 ? 'F' : 'P:x'} ${piece}\n`;
    if (p < parts - 1) out += `${ts} stderr F interleaved ${p}\n`;
  }
  return out;
}

describe('hostile line streams', () => {
  it('property: exact counts by reason, every good line once, however wrapped and chunked', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.constantFrom(...KINDS), fc.integer({ min: 1, max: 3 })), { minLength: 1, maxLength: 30 }),
        fc.constantFrom('bare', 'cri'),
        fc.array(fc.integer({ min: 1, max: 70_000 }), { maxLength: 8 }),
        (plan, wrap, cuts) => {
          const want = { good: [] as number[], too_long: 0, out_of_range: 0, bad_number: 0, ignored: 0 };
          let text = '';
          plan.forEach(([kind, parts], i) => {
            const line = kind === 'good' ? GOOD(i) : BAD[kind](i);
            if (kind === 'good') want.good.push(i);
            else if (kind === 'huge_ignored' || kind === 'ignored') want.ignored++;
            else if (kind === 'too_long') want.too_long++;
            else if (kind === 'bad_number') want.bad_number++;
            else want.out_of_range++;
            if (wrap === 'bare') text += `${line}\n`;
            else {
              text += cri(line, parts, '2026-11-22T10:00:00.123456789Z');
              if (parts > 1 && line.length <= 4096) want.ignored += parts - 1; // the interleaved stderr lines
            }
          });
          const bytes = Buffer.from(text, 'latin1');
          const chunks: Buffer[] = [];
          let prev = 0;
          for (const c of [...new Set(cuts.map((x) => x % bytes.length))].sort((a, b) => a - b)) {
            chunks.push(bytes.subarray(prev, c));
            prev = c;
          }
          chunks.push(bytes.subarray(prev));
          const { samples, decoder } = decodeAll(chunks);
          const r = decoder.counters.reasons();
          assert.deepEqual(
            samples.map((s) => s.iteration),
            want.good,
          );
          assert.equal(r.too_long, want.too_long);
          assert.equal(r.out_of_range, want.out_of_range);
          assert.equal(r.bad_number, want.bad_number);
          assert.equal(decoder.counters.ignored, want.ignored);
          assert.equal(decoder.counters.malformed, want.too_long + want.out_of_range + want.bad_number);
        },
      ),
      { numRuns: 150 },
    );
  });
});
