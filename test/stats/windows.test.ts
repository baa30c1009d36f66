import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ExactQuantiles } from '../../src/stats/exact.js';
import { WindowedHistogram } from '../../src/stats/windows.js';

const QS = [0.5, 0.99] as const;

describe('WindowedHistogram', () => {
  it('keeps the last minute, the last five minutes and everything', () => {
    const w = new WindowedHistogram(10_000, 0);
    // one sample per second for 10 minutes; the value is the minute number + 1 (in ms)
    for (let s = 0; s < 600; s++) w.record((Math.floor(s / 60) + 1) * 1e6, s * 1000);
    const now = 599_999;
    const m1 = w.read('1m', QS, now);
    const m5 = w.read('5m', QS, now);
    const all = w.read('total', QS, now);
    assert.equal(m1.count, 60);
    assert.equal(m5.count, 300);
    assert.equal(all.count, 600);
    assert.equal(m1.min, 10e6);
    assert.equal(m5.min, 6e6);
    assert.equal(all.min, 1e6);
    const exactAll = new ExactQuantiles(Array.from({ length: 600 }, (_, s) => (Math.floor(s / 60) + 1) * 1e6));
    assert.ok(Math.abs((all.quantiles[0] as number) - exactAll.quantile(0.5)) <= 0.005 * exactAll.quantile(0.5));
  });

  it('empties the windows when samples stop, but not the total', () => {
    const w = new WindowedHistogram(10_000, 0);
    for (let i = 0; i < 100; i++) w.record(500_000, i * 100);
    assert.equal(w.read('1m', QS, 30_000).count, 100);
    assert.equal(w.read('1m', QS, 70_000).count, 0);
    assert.ok(Number.isNaN(w.read('1m', QS, 70_000).quantiles[1]));
    assert.equal(w.read('5m', QS, 70_000).count, 100);
    assert.equal(w.read('5m', QS, 400_000).count, 0);
    assert.equal(w.read('total', QS, 10_000_000).count, 100);
    assert.equal(w.count, 100);
  });

  it('tracks a shift in the tail within the short window', () => {
    const w = new WindowedHistogram(10_000, 0);
    for (let i = 0; i < 3000; i++) w.record(400_000 + (i % 100) * 1000, i * 100); // 5 min solo
    for (let i = 3000; i < 3600; i++) w.record(i % 50 === 0 ? 2_000_000 : 450_000, i * 100); // 1 min shared, 2 % slow
    const now = 3600 * 100;
    const m1 = w.read('1m', QS, now).quantiles[1] as number;
    const m5 = w.read('5m', QS, now).quantiles[1] as number;
    assert.ok(Math.abs(m1 - 2_000_000) < 5000, `1m p99 ${m1}`);
    assert.ok(m5 < m1);
  });

  it('never rotates offline (infinite slots)', () => {
    const w = new WindowedHistogram(Number.POSITIVE_INFINITY, 0);
    for (let i = 0; i < 10; i++) w.record(1000 * (i + 1), 0);
    assert.equal(w.read('total', QS, 0).count, 10);
  });
});
