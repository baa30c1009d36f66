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
  /** Most workloads tracked (default 32); see {@link StatsEngine} for what happens beyond. */
  maxWorkloads?: number;
  slotMs?: number;
  /** Free a slot for a new workload by evicting an idle or young one (live: yes; offline report: no). */
  evict?: boolean;
}

export const DEFAULT_MAX_WORKLOADS = 32;
/** A workload without a sample for this long (the longest live window) gives up its slot first. */
export const EVICT_IDLE_MS = 5 * 60_000;
/** A workload with fewer samples than this may be evicted for a newcomer even while active. */
export const EVICT_BELOW_SAMPLES = 100;

/** True for samples that statistics must skip: `phase=warmup` or an iteration below the cut. */
export function isWarmup(s: Sample, warmupIterations: number): boolean {
  return s.iteration < warmupIterations || s.phase === 'warmup';
}

/**
 * At the cap, a new workload takes the slot of (1) the workload idle longest, when idle for
 * {@link EVICT_IDLE_MS}, else (2) the one with the fewest samples (the least recently seen of
 * those) when it has fewer than {@link EVICT_BELOW_SAMPLES}. A flood of junk names thus never
 * locks a real workload out, and established active workloads are never evicted: when every
 * slot holds one, the newcomer's samples are dropped and counted (`workload_cap`).
 */
export class StatsEngine {
  readonly workloads = new Map<string, WorkloadStats>();
  /** Samples skipped as warmup. */
  warmupSkipped = 0;
  /** Samples dropped because the workload cap was reached (names are not kept: unbounded). */
  droppedSamples = 0;
  /** Workloads that have only a wall clock (fed from a histogram: a prom: source). */
  readonly wallOnly = new Set<string>();
  /** Workloads evicted to make room for new ones. */
  evictedWorkloads = 0;
  /** The workload the latest `ingest` evicted, if any (read it right after the call). */
  lastEvicted: string | undefined;
  private readonly warmup: number;
  private readonly maxWorkloads: number;
  private readonly slotMs: number;
  private readonly evict: boolean;

  constructor(opts: EngineOptions = {}) {
    this.warmup = opts.warmupIterations ?? 0;
    this.maxWorkloads = opts.maxWorkloads ?? DEFAULT_MAX_WORKLOADS;
    this.slotMs = opts.slotMs ?? DEFAULT_SLOT_MS;
    this.evict = opts.evict ?? false;
  }

  /** Counts one sample. Returns the workload's stats, or undefined when skipped or dropped. */
  ingest(s: Sample, nowMs: number): WorkloadStats | undefined {
    this.lastEvicted = undefined;
    if (isWarmup(s, this.warmup)) {
      this.warmupSkipped++;
      return undefined;
    }
    let w = this.workloads.get(s.workload);
    if (w === undefined) {
      if (this.workloads.size >= this.maxWorkloads) {
        const victim = this.evict ? this.victim(nowMs) : undefined;
        if (victim === undefined) {
          this.droppedSamples++;
          return undefined;
        }
        this.workloads.delete(victim);
        this.evictedWorkloads++;
        this.lastEvicted = victim;
      }
      w = new WorkloadStats(s.workload, this.slotMs, nowMs, this.wallOnly.has(s.workload));
      this.workloads.set(s.workload, w);
    }
    w.record(s, nowMs);
    return w;
  }

  /** The workload to evict under the policy above, or undefined when none may be. */
  private victim(nowMs: number): string | undefined {
    let idle: WorkloadStats | undefined;
    let young: WorkloadStats | undefined;
    for (const w of this.workloads.values()) {
      if (nowMs - w.lastSeenMs >= EVICT_IDLE_MS && (idle === undefined || w.lastSeenMs < idle.lastSeenMs)) idle = w;
      if (
        w.samples < EVICT_BELOW_SAMPLES &&
        (young === undefined || w.samples < young.samples || (w.samples === young.samples && w.lastSeenMs < young.lastSeenMs))
      ) {
        young = w;
      }
    }
    return (idle ?? young)?.workload;
  }
}
