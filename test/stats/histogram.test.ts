import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fc from 'fast-check';
import { ExactQuantiles } from '../../src/stats/exact.js';
import { countsAtOrBelow, fastIndex, LatencyHistogram, nearestRank, quantilesOf } from '../../src/stats/histogram.js';
import { QUANTILES } from '../../src/stats/summary.js';

const within = (got: number, want: number, rel: number): boolean => Math.abs(got - want) <= rel * want;

describe('LatencyHistogram', () => {
  it('nearestRank is ceil(q n) without floating-point surprises', () => {
    assert.equal(nearestRank(0.99, 600), 594);
    assert.equal(nearestRank(0.99, 590), 585);
    assert.equal(nearestRank(0.5, 590), 295);
    assert.equal(nearestRank(0.999, 590), 590);
    assert.equal(nearestRank(0.95, 20), 19);
    assert.equal(nearestRank(0.001, 10), 1);
  });

  it('property: quantiles within 0.5 % of exact nearest-rank on random distributions', () => {
    const dist = fc.oneof(
      // uniform, log-uniform (wide), bimodal with a heavy tail
      fc.array(fc.integer({ min: 1, max: 10_000_000 }), { minLength: 1, maxLength: 3000 }),
      fc.array(
        fc.double({ min: 0, max: 9, noNaN: true }).map((e) => Math.round(10 ** e)),
        { minLength: 1, maxLength: 3000 },
      ),
      fc.array(
        fc
          .tuple(fc.boolean(), fc.integer({ min: 200_000, max: 600_000 }), fc.integer({ min: 1_000_000, max: 50_000_000 }))
          .map(([tail, a, b]) => (tail ? b : a)),
        { minLength: 1, maxLength: 3000 },
      ),
    );
    fc.assert(
      fc.property(dist, (values) => {
        const h = new LatencyHistogram();
        for (const v of values) h.record(v);
        const out: number[] = [];
        quantilesOf([h], QUANTILES, out);
        const exact = new ExactQuantiles(values);
        QUANTILES.forEach((q, i) => {
          const want = exact.quantile(q);
          const got = out[i] as number;
          assert.ok(within(got, want, 0.005) || Math.abs(got - want) <= 1, `q=${q} got ${got} want ${want}`);
        });
        assert.equal(h.count, values.length);
        assert.equal(h.max, Math.max(...values));
      }),
      { numRuns: 300 },
    );
  });

  it('answers quantiles of several histograms as of their union', () => {
    const a = new LatencyHistogram();
    const b = new LatencyHistogram('float64');
    const all: number[] = [];
    for (let i = 0; i < 1000; i++) {
      const v = 1000 + ((i * 7919) % 5000) * 37;
      (i % 3 === 0 ? a : b).record(v);
      all.push(v);
    }
    const out: number[] = [];
    quantilesOf([a, b], QUANTILES, out);
    const exact = new ExactQuantiles(all);
    QUANTILES.forEach((q, i) => {
      assert.ok(within(out[i] as number, exact.quantile(q), 0.005));
    });
  });

  it('sparse copies add and subtract back to nothing', () => {
    const a = new LatencyHistogram();
    for (let i = 1; i < 500; i++) a.record(i * 1013);
    const agg = new LatencyHistogram();
    agg.addSparse(a.toSparse(), 1);
    assert.equal(agg.count, a.count);
    assert.equal(agg.sum, a.sum);
    agg.addSparse(a.toSparse(), -1);
    assert.equal(agg.count, 0);
    const out: number[] = [];
    assert.equal(quantilesOf([agg], QUANTILES, out), 0);
    assert.ok(Number.isNaN(out[0]));
  });
});

describe('fastIndex', () => {
  it('property: equals HDR countsArrayIndex for every value below 2^31', () => {
    const h = new LatencyHistogram().hdr;
    for (let v = 0; v < 5000; v++) assert.equal(fastIndex(h, v), h.countsArrayIndex(v));
    for (let b = 0; b < 31; b++) {
      for (const v of [2 ** b - 1, 2 ** b, 2 ** b + 1]) assert.equal(fastIndex(h, v), h.countsArrayIndex(v), `v=${v}`);
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (v) => fastIndex(h, v) === h.countsArrayIndex(v)),
      { numRuns: 20000 },
    );
  });
});

describe('one-pass quantiles and cumulative counts', () => {
  it('gives the same answers as the separate scans, for two parts of any widths', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 1, max: 50_000_000 }), { minLength: 1, maxLength: 300 }),
        fc.array(fc.integer({ min: 1, max: 50_000_000 }), { maxLength: 300 }),
        fc.uniqueArray(fc.integer({ min: -5, max: 60_000_000 }), { maxLength: 8 }),
        (xs, ys, rawBounds) => {
          const a = new LatencyHistogram('float64');
          const b = new LatencyHistogram('int32');
          for (const x of xs) a.record(x);
          for (const y of ys) b.record(y);
          const boundsNs = [...rawBounds].sort((p, q) => p - q);
          const q1: number[] = [];
          const q2: number[] = [];
          const c1: number[] = [];
          const c2: number[] = new Array(boundsNs.length);
          quantilesOf([a, b], QUANTILES, q1);
          countsAtOrBelow([a, b], boundsNs, c1);
          const n = quantilesOf([a, b], QUANTILES, q2, undefined, { boundsNs, out: c2 });
          assert.equal(n, xs.length + ys.length);
          assert.deepEqual(q2, q1);
          assert.deepEqual(c2, c1);
        },
      ),
      { numRuns: 300 },
    );
  });
});
