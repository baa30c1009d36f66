/**
 * The statistics engine shared by `kts report` and the live sidecar: routes samples to
 * per-workload statistics, trims warmup and bounds the number of workloads.
 */
import type { Sample } from '../line/types.js';
import { DEFAULT_SLOT_MS } from './windows.js';
import { WorkloadStats } from './workload.js';

export interface EngineOptions {
  /** Iterations below this are warmup and not counted (default 0). */
  warmupIterations?: number;
  /** Most workloads tracked; samples of further workloads are dropped and counted (default 32). */
  maxWorkloads?: number;
  slotMs?: number;
}

export const DEFAULT_MAX_WORKLOADS = 32;

/** True for samples that statistics must skip: `phase=warmup` or an iteration below the cut. */
export function isWarmup(s: Sample, warmupIterations: number): boolean {
  return s.iteration < warmupIterations || s.phase === 'warmup';
}

export class StatsEngine {
  readonly workloads = new Map<string, WorkloadStats>();
  /** Samples skipped as warmup. */
  warmupSkipped = 0;
  /** Samples dropped because the workload cap was reached (names are not kept: unbounded). */
  droppedSamples = 0;
  /** Workloads that have only a wall clock (fed from a histogram: a prom: source). */
  readonly wallOnly = new Set<string>();
  private readonly warmup: number;
  private readonly maxWorkloads: number;
  private readonly slotMs: number;

  constructor(opts: EngineOptions = {}) {
    this.warmup = opts.warmupIterations ?? 0;
    this.maxWorkloads = opts.maxWorkloads ?? DEFAULT_MAX_WORKLOADS;
    this.slotMs = opts.slotMs ?? DEFAULT_SLOT_MS;
  }

  /** Counts one sample. Returns the workload's stats, or undefined when skipped or dropped. */
  ingest(s: Sample, nowMs: number): WorkloadStats | undefined {
    if (isWarmup(s, this.warmup)) {
      this.warmupSkipped++;
      return undefined;
    }
    let w = this.workloads.get(s.workload);
    if (w === undefined) {
      if (this.workloads.size >= this.maxWorkloads) {
        this.droppedSamples++;
        return undefined;
      }
      w = new WorkloadStats(s.workload, this.slotMs, nowMs, this.wallOnly.has(s.workload));
      this.workloads.set(s.workload, w);
    }
    w.record(s, nowMs);
    return w;
  }
}
