/**
 * What one scrape reads from the live tracker, computed once per scrape (collectors share
 * it): quantiles, exceedance and histogram buckets per workload, clock and window.
 */

import { MISMATCH_CLOCKS, type MismatchDirection, mismatch as whichMismatch } from '../stats/alone.js';
import { bucketedDf, quantileBucket } from '../stats/buckets.js';
import { CLOCKS, type Clock } from '../stats/clocks.js';
import type { LiveTracker, LiveWorkload } from '../stats/live.js';
import { clockReference, degradationFactor } from '../stats/reference.js';
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

/** Clocks exposed as a Prometheus histogram (kts_iteration_duration_seconds). */
export const HISTOGRAM_CLOCKS = ['device', 'wall'] as const;
export type HistogramClock = (typeof HISTOGRAM_CLOCKS)[number];

export interface WorkloadSnapshot {
  live: LiveWorkload;
  summaries: Record<Clock, Record<WindowName, LatencySummary>>;
  /** DF p99 per clock and window; absent without a baseline (or for a clock it lacks). */
  df: Partial<Record<Clock, Record<WindowName, number>>>;
  /** Share of samples above the baseline p99 (queue: floored); absent without a baseline. */
  exceedance: Partial<Record<Clock, Record<WindowName, number>>>;
  /**
   * Workloads fed from histogram buckets (prom: sources): per window, the bucket [lower, upper]
   * (ns) holding the wall p99, the bound on how far the reported p99 can be from the true one.
   */
  p99Bucket: Partial<Record<WindowName, [number, number]>>;
  /** Cumulative bucket counts (aligned with DURATION_BUCKETS) and sums, total window, device and wall. */
  buckets: Record<HistogramClock, { cumulative: number[]; count: number; sumSeconds: number }>;
  /** Iterations per second observed over each window. */
  rate: Record<WindowName, number>;
  /** DF p99 against the rolling alone reference; absent until it has ALONE_MIN_SAMPLES. */
  aloneDf: Partial<Record<Clock, Record<WindowName, number>>>;
  /** Per clock: whether the stored baseline describes the workload alone now (null: it does); absent when it cannot be told. */
  mismatch: Partial<Record<(typeof MISMATCH_CLOCKS)[number], MismatchDirection | null>>;
}

export interface Snapshot {
  takenAtMs: number;
  workloads: WorkloadSnapshot[];
}

function workloadSnapshot(w: LiveWorkload, nowMs: number): WorkloadSnapshot {
  const summaries = {} as WorkloadSnapshot['summaries'];
  const df: WorkloadSnapshot['df'] = {};
  const exceedance: WorkloadSnapshot['exceedance'] = {};
  const buckets = {} as WorkloadSnapshot['buckets'];
  const b = w.baseline;
  // One pass per clock and window: quantiles, for device and wall the histogram buckets
  // (total window), and against a baseline the count above its p99 (every window).
  const has = w.stats.clockNames;
  const layout = w.stats.bucketsNs;
  const p99Bucket: WorkloadSnapshot['p99Bucket'] = {};
  for (const c of CLOCKS) {
    const h = w.stats.clocks[c];
    const isHistogram = c !== 'queue';
    const ref = b === undefined || !has.includes(c) ? undefined : clockReference(b, c);
    const p99Ns = ref === undefined ? undefined : ref.p99_ms * 1e6;
    const perWindow = {} as Record<WindowName, LatencySummary>;
    const perWindowExceedance = {} as Record<WindowName, number>;
    const perWindowDf = {} as Record<WindowName, number>;
    for (const win of WINDOWS) {
      const withBuckets = isHistogram && win === 'total';
      const boundsNs = withBuckets ? BUCKETS_NS.slice() : [];
      const p99At = p99Ns === undefined ? -1 : insertSorted(boundsNs, p99Ns);
      const out: number[] = new Array(boundsNs.length);
      const r = h.read(win, QUANTILES, nowMs, boundsNs.length > 0 ? { boundsNs, out } : undefined);
      const summary = summaryFromNs(r.count, r.quantiles, r.sum, r.max);
      perWindow[win] = summary;
      const bucketed = layout !== undefined && c === 'wall';
      if (bucketed) p99Bucket[win] = quantileBucket(layout, summary.p99Ms * 1e6);
      if (bucketed && ref !== undefined) perWindowDf[win] = bucketedDf(layout, summary.p99Ms * 1e6, ref.p99_ms * 1e6);
      else if (b !== undefined) perWindowDf[win] = degradationFactor(b, c, summary.p99Ms);
      if (p99At >= 0) perWindowExceedance[win] = r.count === 0 ? Number.NaN : (r.count - (out[p99At] as number)) / r.count;
      if (withBuckets) {
        if (p99At >= 0) out.splice(p99At, 1);
        buckets[c as HistogramClock] = { cumulative: out, count: r.count, sumSeconds: (summary.meanMs * r.count) / 1e3 || 0 };
      }
    }
    summaries[c] = perWindow;
    if (p99Ns !== undefined) {
      exceedance[c] = perWindowExceedance;
      df[c] = perWindowDf;
    }
  }
  const aloneDf: WorkloadSnapshot['aloneDf'] = {};
  const mismatch: WorkloadSnapshot['mismatch'] = {};
  const ref = w.alone.profile;
  if (ref !== undefined) {
    for (const c of has) {
      const perWindow = {} as Record<WindowName, number>;
      for (const win of WINDOWS) perWindow[win] = degradationFactor(ref, c, summaries[c][win].p99Ms);
      aloneDf[c] = perWindow;
    }
    // Told only against a stored baseline, and only while the workload is alone now.
    if (b !== undefined && !w.bootstrapped && w.aloneNow === true)
      for (const c of MISMATCH_CLOCKS) {
        const stored = b.clocks[c];
        const alone = ref.clocks[c];
        if (has.includes(c) && stored !== undefined && alone !== undefined) mismatch[c] = whichMismatch(stored, alone) ?? null;
      }
  }
  const elapsed = Math.max(1, (nowMs - w.stats.firstSampleMs) / 1000);
  const rate = {
    '1m': summaries.wall['1m'].count / WINDOW_SECONDS['1m'],
    '5m': summaries.wall['5m'].count / WINDOW_SECONDS['5m'],
    total: summaries.wall.total.count / elapsed,
  };
  return { live: w, summaries, df, exceedance, buckets, rate, aloneDf, mismatch, p99Bucket };
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
