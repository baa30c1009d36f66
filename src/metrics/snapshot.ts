/**
 * What one scrape reads from the live tracker, computed once per scrape (collectors share
 * it): quantiles, exceedance and histogram buckets per workload, clock and window.
 */
import { CLOCKS, type Clock } from '../stats/clocks.js';
import { DF_CLOCKS, type DfClock, type LiveTracker, type LiveWorkload } from '../stats/live.js';
import { type LatencySummary, QUANTILES, summaryFromNs } from '../stats/summary.js';
import { WINDOWS, type WindowName } from '../stats/windows.js';
import { DURATION_BUCKETS } from './catalog.js';

const WINDOW_SECONDS: Record<Exclude<WindowName, 'total'>, number> = { '1m': 60, '5m': 300 };
const BUCKETS_NS = DURATION_BUCKETS.map((s) => s * 1e9);

export interface WorkloadSnapshot {
  live: LiveWorkload;
  summaries: Record<Clock, Record<WindowName, LatencySummary>>;
  /** Share of samples above the baseline p99 (device, wall); absent without a baseline. */
  exceedance: Partial<Record<Clock, Record<WindowName, number>>>;
  /** Cumulative bucket counts (aligned with DURATION_BUCKETS) and sums, total window, device and wall. */
  buckets: Record<DfClock, { cumulative: number[]; count: number; sumSeconds: number }>;
  /** Iterations per second observed over each window. */
  rate: Record<WindowName, number>;
}

export interface Snapshot {
  takenAtMs: number;
  workloads: WorkloadSnapshot[];
}

function workloadSnapshot(w: LiveWorkload, nowMs: number): WorkloadSnapshot {
  const summaries = {} as WorkloadSnapshot['summaries'];
  const exceedance: WorkloadSnapshot['exceedance'] = {};
  const buckets = {} as WorkloadSnapshot['buckets'];
  for (const c of CLOCKS) {
    const h = w.stats.clocks[c];
    const perWindow = {} as Record<WindowName, LatencySummary>;
    for (const win of WINDOWS) {
      const r = h.read(win, QUANTILES, nowMs);
      perWindow[win] = summaryFromNs(r.count, r.quantiles, r.sum, r.max);
    }
    summaries[c] = perWindow;
  }
  for (const c of DF_CLOCKS) {
    const cumulative: number[] = [];
    const count = w.stats.clocks[c].countsAtOrBelow('total', BUCKETS_NS, cumulative, nowMs);
    buckets[c] = { cumulative, count, sumSeconds: (summaries[c].total.meanMs * count) / 1e3 || 0 };
  }
  const b = w.baseline;
  if (b !== undefined) {
    for (const c of DF_CLOCKS) {
      const bound = [b.clocks[c].p99_ms * 1e6];
      const out: number[] = [0];
      const perWindow = {} as Record<WindowName, number>;
      for (const win of WINDOWS) {
        const n = w.stats.clocks[c].countsAtOrBelow(win, bound, out, nowMs);
        perWindow[win] = n === 0 ? Number.NaN : (n - (out[0] as number)) / n;
      }
      exceedance[c] = perWindow;
    }
  }
  const elapsed = Math.max(1, (nowMs - w.stats.firstSampleMs) / 1000);
  const rate = {
    '1m': summaries.device['1m'].count / WINDOW_SECONDS['1m'],
    '5m': summaries.device['5m'].count / WINDOW_SECONDS['5m'],
    total: summaries.device.total.count / elapsed,
  };
  return { live: w, summaries, exceedance, buckets, rate };
}

/**
 * Shares one snapshot between the collectors of a scrape: the exposition invalidates it when
 * a scrape begins, the first collect() computes it, the others reuse it. `maxAgeMs` bounds
 * its age for readers that never invalidate.
 */
export class SnapshotCache {
  private cached: Snapshot | undefined;

  constructor(
    private readonly tracker: LiveTracker,
    private readonly clock: () => number = Date.now,
    private readonly maxAgeMs = 1000,
  ) {}

  get(): Snapshot {
    const now = this.clock();
    if (this.cached !== undefined && now - this.cached.takenAtMs < this.maxAgeMs && now >= this.cached.takenAtMs) return this.cached;
    const workloads: WorkloadSnapshot[] = [];
    for (const w of this.tracker.workloads()) workloads.push(workloadSnapshot(w, now));
    workloads.sort((a, b) => (a.live.stats.workload < b.live.stats.workload ? -1 : 1));
    this.cached = { takenAtMs: now, workloads };
    return this.cached;
  }

  /** Forgets the cached snapshot: called when a scrape or a status request begins. */
  invalidate(): void {
    this.cached = undefined;
  }
}
