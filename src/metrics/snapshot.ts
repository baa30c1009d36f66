/**
 * What one scrape reads from the live tracker, computed once per scrape (collectors share
 * it): quantiles, exceedance and histogram buckets per workload, clock and window.
 */
import { CLOCKS, type Clock } from '../stats/clocks.js';
import type { DfClock, LiveTracker, LiveWorkload } from '../stats/live.js';
import { type LatencySummary, QUANTILES, summaryFromNs } from '../stats/summary.js';
import { WINDOWS, type WindowName } from '../stats/windows.js';
import { DURATION_BUCKETS } from './catalog.js';

const WINDOW_SECONDS: Record<Exclude<WindowName, 'total'>, number> = { '1m': 60, '5m': 300 };
const BUCKETS_NS = DURATION_BUCKETS.map((s) => s * 1e9);

/** Inserts v into an ascending array; returns its position. */
function insertSorted(a: number[], v: number): number {
  let i = 0;
  while (i < a.length && (a[i] as number) <= v) i++;
  a.splice(i, 0, v);
  return i;
}

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
  const b = w.baseline;
  // One pass per clock and window: quantiles, and for the DF clocks the histogram buckets
  // (total window) and the count above the baseline p99 (every window).
  for (const c of CLOCKS) {
    const h = w.stats.clocks[c];
    const isDf = c !== 'queue';
    const p99Ns = isDf && b !== undefined ? b.clocks[c as DfClock].p99_ms * 1e6 : undefined;
    const perWindow = {} as Record<WindowName, LatencySummary>;
    const perWindowExceedance = {} as Record<WindowName, number>;
    for (const win of WINDOWS) {
      const withBuckets = isDf && win === 'total';
      const boundsNs = withBuckets ? BUCKETS_NS.slice() : [];
      const p99At = p99Ns === undefined ? -1 : insertSorted(boundsNs, p99Ns);
      const out: number[] = new Array(boundsNs.length);
      const r = h.read(win, QUANTILES, nowMs, boundsNs.length > 0 ? { boundsNs, out } : undefined);
      const summary = summaryFromNs(r.count, r.quantiles, r.sum, r.max);
      perWindow[win] = summary;
      if (p99At >= 0) perWindowExceedance[win] = r.count === 0 ? Number.NaN : (r.count - (out[p99At] as number)) / r.count;
      if (withBuckets) {
        if (p99At >= 0) out.splice(p99At, 1);
        buckets[c as DfClock] = { cumulative: out, count: r.count, sumSeconds: (summary.meanMs * r.count) / 1e3 || 0 };
      }
    }
    summaries[c] = perWindow;
    if (p99Ns !== undefined) exceedance[c] = perWindowExceedance;
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
