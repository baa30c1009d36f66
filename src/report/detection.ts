/**
 * The live contention detector replayed over recorded logs: a LiveTracker with the solo runs
 * as its baseline reads the shared run line by line, as the sidecar would have, and reports
 * after how many samples (and seconds of recorded time) each clock's detector switched on.
 */
import { readFile } from 'node:fs/promises';
import { LineDecoder } from '../line/decoder.js';
import { endEpochSeconds } from '../line/types.js';
import { makeProfile } from '../stats/baseline.js';
import { CLOCKS, type Clock } from '../stats/clocks.js';
import { LiveTracker } from '../stats/live.js';
import { collectPhase } from './collect.js';

export interface DetectionReplay {
  workload: string;
  samples: number;
  first_detection: Record<Clock, { samples: number; seconds: number } | null>;
}

export async function replayDetection(
  solo: readonly string[],
  replayed: readonly string[],
  workload: string,
  warmup = 10,
): Promise<DetectionReplay> {
  const p = await collectPhase('baseline', solo, warmup);
  const profiles = [...p.engine.workloads.values()].map((w) =>
    makeProfile({ profile: 'replay', workload: w.workload, capturedAt: new Date(0), clocks: w.summaries('total', 0) }),
  );
  const tracker = new LiveTracker({ warmupIterations: warmup });
  tracker.setBaselines({ version: 1, profiles });
  const first: DetectionReplay['first_detection'] = { device: null, wall: null, queue: null };
  let t0 = Number.NaN;
  const decoder = new LineDecoder((s) => {
    tracker.ingest(s, 0);
    const w = tracker.get(workload);
    if (w?.detectors === undefined || w.stats.samples === 0) return;
    if (Number.isNaN(t0)) t0 = endEpochSeconds(s);
    for (const c of CLOCKS) {
      if (first[c] === null && w.detectors[c]?.active === true)
        first[c] = { samples: w.stats.samples, seconds: Number((endEpochSeconds(s) - t0).toFixed(2)) };
    }
  });
  for (const f of replayed) decoder.push(await readFile(f));
  decoder.end();
  return { workload, samples: tracker.get(workload)?.stats.samples ?? 0, first_detection: first };
}
