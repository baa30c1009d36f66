import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { emptySample } from '../../src/line/types.js';
import { StatsEngine } from '../../src/stats/engine.js';

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
});
