/**
 * The detector's false-alarm rate by simulation (docs/detection.md): a workload's three clocks
 * fed in-control samples (each level exceeded at exactly its p0), counting alarms. At the
 * default ARL0 (10,000) alarms are too rare to count in a bench run, so lower ARL0s are run as
 * well: the bound holds where the mean run length can be measured, and the default's run shows
 * how many alarms (if any) came in its samples.
 */
import { fileURLToPath } from 'node:url';
import { ContentionDetector, DEFAULT_ARL0, type ExceedanceLevel, LEVELS } from '../src/stats/detector.js';
import { prng } from './generate.js';

/** Uniform 0..1e6 samples: level thresholds at the (1 - p0) points. */
const SIM_LEVELS: ExceedanceLevel[] = LEVELS.map((l) => ({ thresholdNs: (1 - l.p0) * 1e6, p0: l.p0 }));

export interface ArlRun {
  arl0: number;
  samples_per_clock: number;
  false_alarms: number;
  /** Samples per false alarm of the workload (3 clocks together); null when none came. */
  mean_run_length: number | null;
  /** Lower bound on it when no alarm came: the samples simulated. */
  at_least: number | null;
}

export function simulateArl(arl0: number, samples: number, seed = 11): ArlRun {
  const rand = prng(seed);
  const clocks = [0, 1, 2].map(() => new ContentionDetector(SIM_LEVELS, { arl0 }));
  let alarms = 0;
  for (let i = 0; i < samples; i++) {
    for (const d of clocks) {
      if (d.observe(rand() * 1e6)) {
        alarms++;
        // A false alarm: count it and restart that clock's tests, as a fresh baseline would.
        d.rebase(SIM_LEVELS);
      }
    }
  }
  return {
    arl0,
    samples_per_clock: samples,
    false_alarms: alarms,
    mean_run_length: alarms === 0 ? null : Math.round(samples / alarms),
    at_least: alarms === 0 ? samples : null,
  };
}

export function arlFigures(samples = Number(process.env.BENCH_ARL_SAMPLES ?? 2_000_000)): ArlRun[] {
  return [1, 10, 100, DEFAULT_ARL0].map((arl0) => simulateArl(arl0, samples));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify(arlFigures(), null, 2)}\n`);
