/**
 * Reads the recorded logs of one phase (baseline or shared) into the statistics engine,
 * keeping each workload's per-iteration series for the time-series plots.
 */
import { decodeFile, expandInputs } from '../io/inputs.js';
import { LineCounters } from '../line/counters.js';
import { LineDecoder } from '../line/decoder.js';
import { endEpochSeconds, type Sample } from '../line/types.js';
import { StatsEngine } from '../stats/engine.js';

export type Phase = 'baseline' | 'shared';

export interface IterationPoint {
  iteration: number;
  /** Epoch seconds of the iteration's end. */
  endEpoch: number;
  deviceMs: number;
  wallMs: number;
  queueMs: number;
}

export interface PhaseData {
  phase: Phase;
  files: string[];
  engine: StatsEngine;
  counters: LineCounters;
  series: Map<string, IterationPoint[]>;
}

/** Offline runs have no sliding windows: one slot for everything. */
const OFFLINE_NOW = 0;
const OFFLINE_WORKLOAD_CAP = 10_000;

export async function collectPhase(phase: Phase, paths: readonly string[], warmupIterations: number): Promise<PhaseData> {
  const files = await expandInputs(paths);
  const engine = new StatsEngine({ warmupIterations, maxWorkloads: OFFLINE_WORKLOAD_CAP, slotMs: Number.POSITIVE_INFINITY });
  const counters = new LineCounters();
  const series = new Map<string, IterationPoint[]>();
  const sink = (s: Sample): void => {
    const stats = engine.ingest(s, OFFLINE_NOW);
    if (stats === undefined) return;
    let points = series.get(s.workload);
    if (points === undefined) {
      points = [];
      series.set(s.workload, points);
    }
    // The clock values the engine just derived (device, wall, queueing delay), in ns.
    const [device = 0, wall = 0, queue = 0] = stats.values;
    points.push({ iteration: s.iteration, endEpoch: endEpochSeconds(s), deviceMs: device / 1e6, wallMs: wall / 1e6, queueMs: queue / 1e6 });
  };
  for (const f of files) {
    const decoder = new LineDecoder(sink);
    await decodeFile(f, decoder);
    counters.add(decoder.counters);
  }
  return { phase, files, engine, counters, series };
}
