import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { LineDecoder } from '../../src/line/decoder.js';
import { decodeAll } from '../helpers.js';

const lines = Array.from({ length: 50 }, (_, i) => `KTS_APP,v1,W${i % 3},${i},${1000 + i},${2000 + i},0.${i + 1},`);
const text = `${lines.join('\n')}\n`;

describe('LineDecoder', () => {
  it('gives the same samples however the stream is chunked', () => {
    const whole = decodeAll([text]).samples;
    assert.equal(whole.length, 50);
    fc.assert(
      fc.property(fc.array(fc.nat({ max: text.length }), { maxLength: 20 }), (cuts) => {
        const sorted = [...new Set(cuts)].sort((a, b) => a - b);
        const chunks: string[] = [];
        let prev = 0;
        for (const c of sorted) {
          chunks.push(text.slice(prev, c));
          prev = c;
        }
        chunks.push(text.slice(prev));
        assert.deepEqual(decodeAll(chunks).samples, whole);
      }),
      { numRuns: 300 },
    );
  });

  it('flushes a final line without newline and handles CRLF', () => {
    const { samples } = decodeAll(['KTS_APP,v1,A,1,1,2,0.5\r\nKTS_APP,v1,A,2,1,2,0.5']);
    assert.equal(samples.length, 2);
    assert.equal(samples[0]?.phase, '');
  });

  it('counts every outcome, by reason', () => {
    const { decoder } = decodeAll(['noise\nKTS_APP,v2,x\nKTS_APP,v1,A,1,5,2,0.1\nKTS_APP,v1,A,1,1,2,0.1\n']);
    const c = decoder.counters;
    assert.equal(c.parsed, 1);
    assert.equal(c.ignored, 1);
    assert.equal(c.malformed, 2);
    assert.equal(c.reasons().unsupported_version, 1);
    assert.equal(c.reasons().end_before_start, 1);
  });

  it('bounds a runaway line and keeps the good data around it', () => {
    const huge = `KTS_APP,v1,A,1,1,2,0.1,${'x'.repeat(100_000)}`;
    const parts = [`${lines[0]}\n`, huge.slice(0, 30_000), huge.slice(30_000), `\n${lines[1]}\n`, 'y'.repeat(50_000), '\n'];
    const { samples, decoder } = decodeAll(parts);
    assert.equal(samples.length, 2);
    assert.equal(decoder.counters.reasons().too_long, 1);
    assert.equal(decoder.counters.ignored, 1);
  });

  it('accepts whole lines from line-oriented sources', () => {
    const { decoder } = decodeAll([]);
    decoder.pushLine(lines[0] as string);
    decoder.pushLine(Buffer.from(`${lines[1]}\n`));
    assert.equal(decoder.counters.parsed, 2);
  });

  it('counts an over-long line handed over whole by a line source as too_long, at the cost of its head', () => {
    const counted: number[] = [];
    const decoder = new LineDecoder((s) => counted.push(s.iteration));
    decoder.pushLine(`KTS_APP,v1,A,1,1,2,${'9'.repeat(8 << 20)}`, 'latin1');
    decoder.pushLine(`{"log":"KTS_APP,v1,A,1,1,2,${'9'.repeat(1 << 20)}\\n"}`);
    decoder.pushLine('x'.repeat(1 << 20));
    decoder.pushLine('KTS_APP,v1,A,2,1,2,0.5');
    assert.deepEqual(counted, [2]);
    assert.equal(decoder.counters.reasons().too_long, 2);
    assert.equal(decoder.counters.ignored, 1);
  });
});
