import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { decodeAll } from '../helpers.js';

const LINE = 'KTS_APP,v1,FFT,7,1795387891806522966,1795387891806947981,0.302816,shared';

describe('log wrappers', () => {
  it('unwraps CRI lines', () => {
    const { samples, decoder } = decodeAll([`2026-11-22T10:00:00.123456789Z stdout F ${LINE}\n`]);
    assert.equal(samples.length, 1);
    assert.equal(samples[0]?.iteration, 7);
    assert.equal(samples[0]?.phase, 'shared');
    assert.equal(decoder.counters.parsed, 1);
  });

  it('joins CRI partial lines', () => {
    const half = LINE.length >> 1;
    const { samples } = decodeAll([
      `2026-11-22T10:00:00.1Z stdout P ${LINE.slice(0, half)}\n`,
      `2026-11-22T10:00:00.2Z stdout F ${LINE.slice(half)}\n`,
    ]);
    assert.equal(samples.length, 1);
    assert.equal(samples[0]?.deviceMs, 0.302816);
  });

  it('joins a CRI partial line across an interleaved line of the other stream', () => {
    const third = LINE.length / 3;
    const other = LINE.replace(',7,', ',8,');
    const { samples, decoder } = decodeAll([
      `2026-11-22T10:00:00.1Z stdout P ${LINE.slice(0, third)}\n`,
      `2026-11-22T10:00:00.2Z stderr F ${other}\n`,
      `2026-11-22T10:00:00.3Z stdout P ${LINE.slice(third, 2 * third)}\n`,
      '2026-11-22T10:00:00.4Z stderr F a warning\n',
      `2026-11-22T10:00:00.5Z stdout F ${LINE.slice(2 * third)}\n`,
    ]);
    assert.deepEqual(
      samples.map((s) => s.iteration),
      [8, 7],
    );
    assert.equal(samples[1]?.deviceMs, 0.302816);
    assert.equal(decoder.counters.ignored, 1);
    assert.equal(decoder.counters.malformed, 0);
  });

  it("reads the kubelet's tag list: the first tag says partial or full (P:TAG1:TAG2)", () => {
    const half = LINE.length >> 1;
    const { samples, decoder } = decodeAll([
      `2026-11-22T10:00:00.1Z stdout P:TAG1:TAG2 ${LINE.slice(0, half)}\n`,
      `2026-11-22T10:00:00.2Z stdout F:TAG1 ${LINE.slice(half)}\n`,
      `2026-11-22T10:00:00.3Z stdout F:X ${LINE}\n`,
    ]);
    assert.equal(samples.length, 2);
    assert.equal(samples[0]?.deviceMs, 0.302816);
    assert.equal(decoder.counters.malformed + decoder.counters.ignored, 0);
  });

  it('unwraps Docker json-file lines, escaped ones too', () => {
    const { samples } = decodeAll([
      `{"log":"${LINE}\\n","stream":"stdout","time":"2026-11-22T10:00:00.1Z"}\n`,
      `{"stream":"stdout","log":"${LINE}\\n","time":"2026-11-22T10:00:00.1Z"}\n`,
      `{"log":"${LINE.replace('shared', 'sh\\u0061red')}\\n","stream":"stdout"}\n`,
    ]);
    assert.equal(samples.length, 3);
    for (const s of samples) assert.equal(s.phase, 'shared');
  });

  it('counts a broken Docker wrapper around a KTS line as bad_wrapper', () => {
    const { decoder } = decodeAll([`{"log":"${LINE}\\x","stream"\n`, '{"other": 1}\n']);
    assert.equal(decoder.counters.reasons().bad_wrapper, 1);
    assert.equal(decoder.counters.ignored, 1);
  });

  it('detects the format per line', () => {
    const { samples, decoder } = decodeAll([
      `${LINE}\n`,
      `2026-11-22T10:00:00.1Z stderr F ${LINE}\n`,
      `{"log":"${LINE}\\n"}\n`,
      '2026-11-22T10:00:00.1Z stdout F some framework warning\n',
      'plain print\n',
    ]);
    assert.equal(samples.length, 3);
    assert.equal(decoder.counters.ignored, 2);
  });

  it('property: arbitrary wrapped garbage never throws', () => {
    const wrappers = [
      (s: string) => s,
      (s: string) => `2026-11-22T10:00:00.1Z stdout F ${s}`,
      (s: string) => `2026-11-22T10:00:00.1Z stdout P ${s}`,
      (s: string) => `{"log":"${s}`,
      (s: string) => `{"log":${JSON.stringify(s)}}`,
    ];
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat({ max: 4 }), fc.string({ maxLength: 120 }))), (lines) => {
        const text = lines.map(([w, s]) => (wrappers[w] as (x: string) => string)(`KTS_APP,v1,${s}`)).join('\n');
        decodeAll([text]);
      }),
      { numRuns: 1000 },
    );
  });
});
