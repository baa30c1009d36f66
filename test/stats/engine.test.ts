import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySample } from '../../src/line/types.js';
import { EVICT_BELOW_SAMPLES, EVICT_IDLE_MS, StatsEngine } from '../../src/stats/engine.js';

function sample(workload: string, iteration: number, phase = '') {
  return { ...emptySample(), workload, iteration, startSec: 1, startNsec: 0, endSec: 1, endNsec: 600_000, deviceMs: 0.4, phase };
}

describe('StatsEngine', () => {
  it('trims warmup by iteration and by phase', () => {
    const e = new StatsEngine({ warmupIterations: 10 });
    for (let i = 0; i < 20; i++) e.ingest(sample('A', i), 0);
    e.ingest(sample('A', 50, 'warmup'), 0);
    assert.equal(e.workloads.get('A')?.samples, 10);
    assert.equal(e.warmupSkipped, 11);
  });

  it('caps workloads and counts what it drops', () => {
    const e = new StatsEngine({ maxWorkloads: 2 });
    for (const w of ['A', 'B', 'C', 'A', 'D']) e.ingest(sample(w, 1), 0);
    assert.deepEqual([...e.workloads.keys()], ['A', 'B']);
    assert.equal(e.droppedSamples, 2);
  });

  it('derives the three clocks, clamping the queueing delay at zero', () => {
    const e = new StatsEngine();
    const w = e.ingest(sample('A', 1), 0);
    const s = w?.summaries('total', 0);
    assert.ok(s);
    assert.ok(Math.abs(s.device.p50Ms - 0.4) < 0.001);
    assert.ok(Math.abs(s.wall.p50Ms - 0.6) < 0.001);
    assert.ok(Math.abs(s.queue.p50Ms - 0.2) < 0.001);
    const neg = { ...sample('B', 1), deviceMs: 0.9 };
    assert.equal(e.ingest(neg, 0)?.summaries('total', 0).queue.p50Ms, 0);
  });

  it('with eviction, 40 one-line junk names arriving first never lock a real workload out', () => {
    const e = new StatsEngine({ maxWorkloads: 32, evict: true });
    let t = 0;
    for (let i = 0; i < 40; i++) e.ingest(sample(`junk${i}`, 1), t++);
    for (let i = 0; i < 200; i++) {
      assert.ok(e.ingest(sample('real', i), t++), `real sample ${i} counted`);
      e.ingest(sample(`junk${100 + i}`, 1), t++); // the flood goes on
    }
    assert.equal(e.workloads.get('real')?.samples, 200);
    assert.equal(e.workloads.size, 32);
    assert.equal(e.droppedSamples, 0);
    assert.equal(e.evictedWorkloads, 40 - 32 + 1 + 200, 'junk before real, real itself, junk after');
  });

  it('with eviction, established active workloads keep their slots; an idle one gives its slot up', () => {
    const e = new StatsEngine({ maxWorkloads: 2, evict: true });
    for (let i = 0; i < EVICT_BELOW_SAMPLES; i++) {
      e.ingest(sample('A', i), i);
      e.ingest(sample('B', i), i);
    }
    assert.equal(e.ingest(sample('C', 1), 1000), undefined, 'both established and active: dropped');
    assert.equal(e.droppedSamples, 1);
    e.ingest(sample('A', 1000), EVICT_IDLE_MS);
    assert.ok(e.ingest(sample('C', 2), EVICT_IDLE_MS + 100), 'B idle for 5 min: evicted');
    assert.equal(e.lastEvicted, 'B');
    assert.deepEqual([...e.workloads.keys()].sort(), ['A', 'C']);
  });
});
