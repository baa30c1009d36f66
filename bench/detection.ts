/** Detection delay on the H100 fixtures (solo baseline, shared replay) and false alarms on solo data. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { LineDecoder } from '../src/line/decoder.js';
import { endEpochSeconds } from '../src/line/types.js';
import { collectPhase } from '../src/report/collect.js';
import { makeProfile } from '../src/stats/baseline.js';
import { LiveTracker } from '../src/stats/live.js';

const H100 = fileURLToPath(new URL('../../test/fixtures/h100-2026-11-22/', import.meta.url));

export interface DetectionRun {
  baseline: string;
  replayed: string;
  samples: number;
  first_detection: Record<'device' | 'wall', { samples: number; seconds: number } | null>;
}

async function run(solo: string, replayed: string, workload: string): Promise<DetectionRun> {
  const p = await collectPhase('baseline', [`${H100}${solo}`], 10);
  const profiles = [...p.engine.workloads.values()].map((w) =>
    makeProfile({ profile: 'bench', workload: w.workload, capturedAt: new Date(0), clocks: w.summaries('total', 0) }),
  );
  const tracker = new LiveTracker({ warmupIterations: 10 });
  tracker.setBaselines({ version: 1, profiles });
  const first: DetectionRun['first_detection'] = { device: null, wall: null };
  let t0 = Number.NaN;
  const decoder = new LineDecoder((s) => {
    tracker.ingest(s, 0);
    const w = tracker.get(workload);
    if (w?.detectors === undefined || w.stats.samples === 0) return;
    if (Number.isNaN(t0)) t0 = endEpochSeconds(s);
    for (const c of ['device', 'wall'] as const) {
      if (first[c] === null && w.detectors[c].active)
        first[c] = { samples: w.stats.samples, seconds: Number((endEpochSeconds(s) - t0).toFixed(2)) };
    }
  });
  decoder.push(readFileSync(`${H100}${replayed}`));
  decoder.end();
  return { baseline: solo, replayed, samples: tracker.get(workload)?.stats.samples ?? 0, first_detection: first };
}

export async function detectionFigures(): Promise<DetectionRun[]> {
  return [
    await run('solo-fft.log', 'shared-fft.log', 'FFT'),
    await run('solo-gemm.log', 'shared-gemm.log', 'GEMM'),
    await run('solo-fft.log', 'solo-fft.log', 'FFT'),
    await run('solo-gemm.log', 'solo-gemm.log', 'GEMM'),
  ];
}
