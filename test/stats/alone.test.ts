import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LineDecoder } from '../../src/line/decoder.js';
import { copySample, type Sample } from '../../src/line/types.js';
import { SnapshotCache } from '../../src/metrics/snapshot.js';
import { ALONE_MIN_SAMPLES, ALONE_REFRESH, BOOTSTRAP_PROFILE, mismatch } from '../../src/stats/alone.js';
import { makeProfile } from '../../src/stats/baseline.js';
import { LiveTracker } from '../../src/stats/live.js';
import { summaryFromNs } from '../../src/stats/summary.js';

/** Samples of `workload`: device 0.5 ms, wall 0.6 ms (+ `extraWaitMs` of queueing on every `every`-th). */
function samples(workload: string, from: number, count: number, extraWaitMs = 0, every = 1): Sample[] {
  const out: Sample[] = [];
  const d = new LineDecoder((s) => out.push(copySample(s)));
  let text = '';
  for (let i = from; i < from + count; i++) {
    const start = 1795387891806522966n + BigInt(i) * 50_000_000n;
    const wallNs = 600_000 + (i % 7) * 1_000 + (i % every === 0 ? Math.round(extraWaitMs * 1e6) : 0);
    text += `KTS_APP,v1,${workload},${i},${start},${start + BigInt(wallNs)},${(0.5 + (i % 5) * 0.001).toFixed(6)},\n`;
  }
  d.push(Buffer.from(text));
  d.end();
  return out;
}

describe('the alone reference', () => {
  it('bootstraps a baseline from alone samples when none is stored, then detects contention against it', () => {
    const t = new LiveTracker();
    for (const s of samples('agent', 0, ALONE_MIN_SAMPLES - 1)) t.ingest(s, 0, true);
    assert.equal(t.get('agent')?.baseline, undefined, 'not before the minimum count');
    for (const s of samples('agent', ALONE_MIN_SAMPLES, 2 * ALONE_REFRESH)) t.ingest(s, 0, true);
    const w = t.get('agent');
    assert.equal(w?.baseline?.profile, BOOTSTRAP_PROFILE);
    assert.equal(w?.bootstrapped, true);
    assert.ok(Math.abs((w?.baseline?.clocks.wall.p50_ms ?? 0) - 0.603) < 0.01);
    // A co-tenant arrives: dcgm shows two pods, every iteration waits 1 ms more.
    let at = -1;
    for (const [i, s] of samples('agent', 5000, 200, 1).entries()) {
      t.ingest(s, 0, false);
      if (at < 0 && w?.detectors?.queue?.active === true) at = i + 1;
    }
    assert.ok(at > 0 && at <= 20, `queue detection after ${at} samples`);
    assert.equal(w?.alone.samples, ALONE_MIN_SAMPLES - 1 + 2 * ALONE_REFRESH, 'shared samples stay out of the reference');
  });

  it('a stored baseline replaces a bootstrapped one; a reload without it keeps the bootstrap', () => {
    const t = new LiveTracker();
    for (const s of samples('agent', 0, 1200)) t.ingest(s, 0, true);
    assert.equal(t.get('agent')?.bootstrapped, true);
    t.setBaselines(undefined);
    assert.equal(t.get('agent')?.baseline?.profile, BOOTSTRAP_PROFILE);
    const stored = makeProfile({
      profile: 'h100',
      workload: 'agent',
      capturedAt: new Date(0),
      clocks: {
        device: summaryFromNs(1000, [500_000, 510_000, 520_000, 530_000], 500_000_000, 530_000),
        wall: summaryFromNs(1000, [600_000, 610_000, 620_000, 630_000], 600_000_000, 630_000),
        queue: summaryFromNs(1000, [100_000, 110_000, 120_000, 130_000], 100_000_000, 130_000),
      },
    });
    t.setBaselines({ version: 1, profiles: [stored] });
    assert.equal(t.get('agent')?.baseline?.profile, 'h100');
    assert.equal(t.get('agent')?.bootstrapped, false);
  });

  it('tells a stored baseline that no longer describes the workload alone, with its direction', () => {
    const clock = (p50: number, p99: number) => ({ p50_ms: p50, p95_ms: p99, p99_ms: p99, p999_ms: p99, mean_ms: p50, count: 1000 });
    assert.equal(mismatch(clock(1, 2), clock(1.1, 2.2)), undefined);
    assert.equal(mismatch(clock(1, 2), clock(0.7, 1.5)), 'faster');
    assert.equal(mismatch(clock(1, 2), clock(1, 1.2)), 'faster', 'the tail alone moved');
    assert.equal(mismatch(clock(1, 2), clock(1.4, 2.4)), 'slower');
    assert.equal(mismatch(clock(1, 2), clock(1.1, 3.2)), 'slower');

    // Live: the stored baseline is 1.6x slower than the workload alone (captured elsewhere).
    const t = new LiveTracker();
    const slowStored = makeProfile({
      profile: 'h100',
      workload: 'agent',
      capturedAt: new Date(0),
      clocks: {
        device: summaryFromNs(1000, [800_000, 820_000, 830_000, 850_000], 800_000_000, 850_000),
        wall: summaryFromNs(1000, [960_000, 990_000, 1_000_000, 1_020_000], 960_000_000, 1_020_000),
        queue: summaryFromNs(1000, [160_000, 170_000, 180_000, 190_000], 160_000_000, 190_000),
      },
    });
    t.setBaselines({ version: 1, profiles: [slowStored] });
    const cache = new SnapshotCache(t, () => 0);
    for (const s of samples('agent', 0, 500)) t.ingest(s, 0, true);
    cache.invalidate();
    assert.deepEqual(cache.get().workloads[0]?.mismatch, {}, 'not told before the reference is full enough');
    for (const s of samples('agent', 500, 700)) t.ingest(s, 0, true);
    cache.invalidate();
    const snap = cache.get().workloads[0];
    assert.deepEqual(snap?.mismatch, { device: 'faster', wall: 'faster' });
    assert.ok((snap?.aloneDf.wall?.total ?? 0) > 0.95 && (snap?.aloneDf.wall?.total ?? 0) < 1.05, 'DF against alone ~1');
    assert.ok((snap?.df.wall?.total ?? 1) < 0.7, 'DF against the stale baseline reads low');
    // Shared now: no mismatch is told (the co-tenant, not the baseline, would explain it).
    t.ingest(samples('agent', 1300, 1)[0] as Sample, 0, false);
    cache.invalidate();
    assert.deepEqual(cache.get().workloads[0]?.mismatch, {});
  });
});
