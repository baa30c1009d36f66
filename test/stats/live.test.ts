import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { LineDecoder } from '../../src/line/decoder.js';
import { emptySample } from '../../src/line/types.js';
import { collectPhase } from '../../src/report/collect.js';
import { type BaselineDocument, makeProfile } from '../../src/stats/baseline.js';
import { LiveTracker } from '../../src/stats/live.js';
import { H100 } from '../helpers.js';

async function baselineFrom(file: string): Promise<BaselineDocument> {
  const solo = await collectPhase('baseline', [file], 10);
  const profiles = [...solo.engine.workloads.values()].map((w) =>
    makeProfile({ profile: 'h100', workload: w.workload, capturedAt: new Date(0), clocks: w.summaries('total', 0) }),
  );
  return { version: 1, profiles };
}

/** Feeds a fixture through a tracker; returns the sample number at which each clock's detector first switched on. */
function replay(tracker: LiveTracker, file: string, workload: string): { device?: number; wall?: number; queue?: number; samples: number } {
  const first: { device?: number; wall?: number; queue?: number } = {};
  let n = 0;
  const decoder = new LineDecoder((s) => {
    tracker.ingest(s, 0);
    const w = tracker.get(workload);
    if (w?.detectors === undefined || w.stats.samples === 0) return;
    n = w.stats.samples;
    if (first.device === undefined && w.detectors.device?.active === true) first.device = n;
    if (first.wall === undefined && w.detectors.wall?.active === true) first.wall = n;
    if (first.queue === undefined && w.detectors.queue?.active === true) first.queue = n;
  });
  decoder.push(readFileSync(file));
  decoder.end();
  return { ...first, samples: n };
}

describe('contention detection on the H100 fixtures', () => {
  it('turns on for shared FFT on the queueing clock within tens of samples, never on the device clock', async () => {
    const tracker = new LiveTracker({ warmupIterations: 10 });
    tracker.setBaselines(await baselineFrom(`${H100}/solo-fft.log`));
    const r = replay(tracker, `${H100}/shared-fft.log`, 'FFT');
    assert.equal(r.samples, 590);
    assert.ok(r.queue !== undefined && r.queue <= 20, `queue detection after ${r.queue} samples`);
    assert.equal(r.device, undefined, 'the device clock hides the contention');
  });

  it('never fires on solo data against its own baseline', async () => {
    for (const [file, workload] of [
      ['solo-fft.log', 'FFT'],
      ['solo-gemm.log', 'GEMM'],
    ] as const) {
      const tracker = new LiveTracker({ warmupIterations: 10 });
      tracker.setBaselines(await baselineFrom(`${H100}/${file}`));
      const r = replay(tracker, `${H100}/${file}`, workload);
      assert.equal(r.wall, undefined, `${file} wall`);
      assert.equal(r.device, undefined, `${file} device`);
      assert.equal(r.queue, undefined, `${file} queue`);
    }
  });

  it('has no detectors and no DF without a baseline', () => {
    const tracker = new LiveTracker({ warmupIterations: 10 });
    replay(tracker, `${H100}/shared-fft.log`, 'FFT');
    assert.equal(tracker.get('FFT')?.detectors, undefined);
    assert.equal(tracker.get('FFT')?.baseline, undefined);
  });

  it('evicts junk workloads from its live state too, and says which', () => {
    const evicted: string[] = [];
    const tracker = new LiveTracker({ maxWorkloads: 4, onEvict: (w) => evicted.push(w) });
    const line = (w: string, i: number) => ({
      ...emptySample(),
      workload: w,
      iteration: i,
      startSec: 1,
      endSec: 1,
      endNsec: 500_000,
      deviceMs: 0.4,
    });
    for (let i = 0; i < 10; i++) tracker.ingest(line(`junk${i}`, 1), i);
    assert.ok(tracker.ingest(line('real', 1), 10));
    assert.deepEqual(
      [...tracker.workloads()].map((w) => w.stats.workload).sort(),
      [...tracker.engine.workloads.keys()].sort(),
      'live state and statistics hold the same workloads',
    );
    assert.ok(tracker.get('real'));
    assert.equal(evicted.length, 7);
    assert.equal(tracker.get('junk0'), undefined);
  });
});
