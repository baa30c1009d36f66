/**
 * A reference that calibrates itself: per workload, the last ALONE_WINDOW samples taken while
 * the workload was alone on its GPU (docs/detection.md, "Baselines that drift"). Its quantiles
 * are recomputed every ALONE_REFRESH alone samples (exact, nearest rank, on a sorted copy), so
 * reading them costs nothing per scrape. From it come a DF against "alone, lately", a check
 * that the stored baseline still describes the workload alone, and a baseline for workloads
 * that have none (bootstrapped, never written to the store).
 */
import type { BaselineProfile, ClockBaseline } from './baseline.js';
import { CLOCKS, type Clock } from './clocks.js';
import { nearestRank } from './histogram.js';

/** Alone samples kept per clock (memory: 3 x 8 bytes x this, per workload). */
export const ALONE_WINDOW = 2048;
/** The reference's quantiles are recomputed every this many alone samples. */
export const ALONE_REFRESH = 128;
/** Fewest alone samples before the reference is used (its p99.9 rests on about two samples). */
export const ALONE_MIN_SAMPLES = 1000;
/** The profile name of a baseline bootstrapped from alone periods. */
export const BOOTSTRAP_PROFILE = 'alone-bootstrap';

/** The stored baseline no longer describes the workload alone when the alone p50 leaves this band... */
export const MISMATCH_P50_BAND = [0.8, 1.25] as const;
/** ...or its p99 leaves this one. */
export const MISMATCH_P99_BAND = [2 / 3, 1.5] as const;
export type MismatchDirection = 'faster' | 'slower';
/** Clocks checked for a mismatch (the queueing clock is too small and floored to tell). */
export const MISMATCH_CLOCKS = ['device', 'wall'] as const;

function clockOf(sorted: Float64Array, n: number, sum: number): ClockBaseline {
  const at = (q: number): number => (sorted[nearestRank(q, n) - 1] as number) / 1e6;
  const r = (v: number): number => Math.round(v * 1e6) / 1e6;
  return { p50_ms: r(at(0.5)), p95_ms: r(at(0.95)), p99_ms: r(at(0.99)), p999_ms: r(at(0.999)), mean_ms: r(sum / n / 1e6), count: n };
}

export class AloneReference {
  /**
   * Grown as alone samples arrive, up to ALONE_WINDOW: most workloads a sidecar ever sees
   * (a junk flood, one-line names) never get one, and 48 KB each up front made a flood of
   * 1,000 names a 90 MB burst of garbage.
   */
  private values: Record<Clock, Float64Array> | undefined;
  private capacity = 0;
  private next = 0;
  private size = 0;
  private sinceRefresh = 0;
  /** The reference as a baseline profile; undefined until ALONE_MIN_SAMPLES alone samples. */
  profile: BaselineProfile | undefined;

  constructor(readonly workload: string) {}

  /** Alone samples in the reference now. */
  get samples(): number {
    return this.size;
  }

  /** Adds one alone sample (device, wall, queue in ns). */
  observe(v: readonly number[], nowMs: number): void {
    if (this.size === this.capacity && this.capacity < ALONE_WINDOW) this.grow();
    const values = this.values as Record<Clock, Float64Array>;
    values.device[this.next] = v[0] as number;
    values.wall[this.next] = v[1] as number;
    values.queue[this.next] = v[2] as number;
    this.next = (this.next + 1) % ALONE_WINDOW;
    if (this.size < ALONE_WINDOW) this.size++;
    if (++this.sinceRefresh >= ALONE_REFRESH && this.size >= ALONE_MIN_SAMPLES) this.refresh(nowMs);
  }

  /** Doubles the arrays (from 64), keeping the samples: they are not yet a ring while growing. */
  private grow(): void {
    this.capacity = this.capacity === 0 ? 64 : Math.min(ALONE_WINDOW, this.capacity * 2);
    const old = this.values;
    const make = (c: Clock): Float64Array => {
      const a = new Float64Array(this.capacity);
      if (old !== undefined) a.set(old[c]);
      return a;
    };
    this.values = { device: make('device'), wall: make('wall'), queue: make('queue') };
  }

  private refresh(nowMs: number): void {
    this.sinceRefresh = 0;
    const n = this.size;
    const clocks = {} as Record<Clock, ClockBaseline>;
    for (const c of CLOCKS) {
      const sorted = (this.values as Record<Clock, Float64Array>)[c].slice(0, n).sort();
      let sum = 0;
      for (let i = 0; i < n; i++) sum += sorted[i] as number;
      clocks[c] = clockOf(sorted, n, sum);
    }
    this.profile = { profile: BOOTSTRAP_PROFILE, workload: this.workload, captured_at: new Date(nowMs).toISOString(), clocks };
  }
}

/** Whether a stored baseline's clock still describes the workload alone; undefined: it does. */
export function mismatch(stored: ClockBaseline, alone: ClockBaseline): MismatchDirection | undefined {
  const r50 = alone.p50_ms / stored.p50_ms;
  const r99 = alone.p99_ms / stored.p99_ms;
  if (!Number.isFinite(r50) || !Number.isFinite(r99)) return undefined;
  if (r50 < MISMATCH_P50_BAND[0] || (r50 <= MISMATCH_P50_BAND[1] && r99 < MISMATCH_P99_BAND[0])) return 'faster';
  if (r50 > MISMATCH_P50_BAND[1] || r99 > MISMATCH_P99_BAND[1]) return 'slower';
  return undefined;
}
