import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { KtsEmitter } from '../../src/emit/index.js';
import { LineDecoder } from '../../src/line/decoder.js';
import { type Sample, wallNs } from '../../src/line/types.js';

function decode(lines: readonly string[]): { samples: Sample[]; decoder: LineDecoder } {
  const samples: Sample[] = [];
  const decoder = new LineDecoder((s) => samples.push({ ...s }));
  decoder.push(Buffer.from(`${lines.join('\n')}\n`));
  return { samples, decoder };
}

describe('KtsEmitter (TypeScript helper)', () => {
  it('writes valid KTS_APP v1 lines that the sidecar parses, one iteration each', async () => {
    const lines: string[] = [];
    const emit = new KtsEmitter('embed-infer', { phase: 'serving', write: (l) => lines.push(l) });
    const r = await emit.time(
      async () => {
        await new Promise((res) => setTimeout(res, 5));
        return { gpuMs: 1.25 };
      },
      (x) => x.gpuMs,
    );
    assert.deepEqual(r, { gpuMs: 1.25 });
    await emit.time(() => 42);
    const { samples, decoder } = decode(lines);
    assert.equal(decoder.counters.parsed, 2);
    assert.equal(samples.length, 2);
    const [a, b] = samples as [Sample, Sample];
    assert.equal(a.workload, 'embed-infer');
    assert.equal(a.phase, 'serving');
    assert.deepEqual([a.iteration, b.iteration], [0, 1]);
    assert.equal(a.deviceMs, 1.25);
    assert.ok(wallNs(a) >= 4_000_000, `wall span ${wallNs(a)} ns covers the 5 ms wait`);
    // without a device timer the device time is the wall span
    assert.ok(Math.abs(b.deviceMs - wallNs(b) / 1e6) < 1e-6);
    assert.ok(Math.abs(a.endSec + a.endNsec / 1e9 - Date.now() / 1000) < 5, 'epoch timestamps');
  });

  it('keeps epoch nanoseconds exact beyond 2^53 and monotonic', () => {
    const emit = new KtsEmitter('w', { write: () => {} });
    const t1 = emit.nowNs();
    const t2 = emit.nowNs();
    assert.ok(t1 > 2n ** 53n && t2 >= t1);
    assert.match(emit.emit(t1, t2, 0.5), /^KTS_APP,v1,w,0,\d{19},\d{19},0\.500000,$/);
  });

  it('refuses what would make an invalid line', () => {
    assert.throws(() => new KtsEmitter('bad name'), RangeError);
    assert.throws(() => new KtsEmitter('x'.repeat(65)), RangeError);
    assert.throws(() => new KtsEmitter('ok', { phase: 'a,b' }), RangeError);
    const emit = new KtsEmitter('ok', { write: () => {} });
    assert.throws(() => emit.emit(2n, 1n), RangeError);
    assert.throws(() => emit.emit(1n, 2n, -1), RangeError);
    assert.throws(() => emit.emit(1n, 2n, Number.NaN), RangeError);
  });
});
