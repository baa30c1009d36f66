/**
 * Sliding windows (1m, 5m) and the running total of one latency stream, built from
 * rotating sub-histograms so that recording a sample costs one HDR increment:
 *
 * - samples go into the current slot (a slot spans `slotMs`, 10 s by default);
 * - when a slot closes it is copied sparsely, added to every window's aggregate and to the
 *   total, and kept until it has left the longest window, when it is subtracted again;
 * - a window's quantiles are read in one pass over its aggregate plus the current slot.
 *
 * Time is passed in (`nowMs`), never read here: the live sidecar passes the wall clock,
 * tests pass what they like, and the offline report never advances it.
 */
import { type Cumulative, countsAtOrBelow as cumulativeCounts, LatencyHistogram, quantilesOf, type SparseCounts } from './histogram.js';

export const WINDOWS = ['1m', '5m', 'total'] as const;
export type WindowName = (typeof WINDOWS)[number];

export const DEFAULT_SLOT_MS = 10_000;
const WINDOW_MS: Record<Exclude<WindowName, 'total'>, number> = { '1m': 60_000, '5m': 300_000 };

interface ClosedSlot {
  readonly index: number;
  readonly counts: SparseCounts;
}

/** Count, sum and quantiles of one window, in nanoseconds. */
export interface WindowReading {
  count: number;
  sum: number;
  min: number;
  max: number;
  /** Aligned with the `qs` passed to `read`. NaN when the window is empty. */
  quantiles: number[];
}

export class WindowedHistogram {
  private readonly current = new LatencyHistogram('int32');
  private currentIndex: number;
  /** When the current slot closes (Infinity when slots never rotate, as offline). */
  private slotEndMs: number;
  /** Closed slots still inside the longest window, oldest first. */
  private readonly closed: ClosedSlot[] = [];
  private readonly aggregates: Record<Exclude<WindowName, 'total'>, LatencyHistogram> = {
    '1m': new LatencyHistogram('int32'),
    '5m': new LatencyHistogram('int32'),
  };
  /** How many of the oldest closed slots have already left each window. */
  private readonly expired: Record<Exclude<WindowName, 'total'>, number> = { '1m': 0, '5m': 0 };
  private readonly total = new LatencyHistogram('float64');
  private readonly slotsPer: Record<Exclude<WindowName, 'total'>, number>;

  constructor(
    private readonly slotMs = DEFAULT_SLOT_MS,
    nowMs = 0,
  ) {
    this.currentIndex = Math.floor(nowMs / slotMs);
    this.slotEndMs = Number.isFinite(slotMs) ? (this.currentIndex + 1) * slotMs : Number.POSITIVE_INFINITY;
    this.slotsPer = {
      '1m': Math.max(1, Math.round(WINDOW_MS['1m'] / slotMs)),
      '5m': Math.max(1, Math.round(WINDOW_MS['5m'] / slotMs)),
    };
  }

  record(ns: number, nowMs: number): void {
    if (nowMs >= this.slotEndMs) this.advance(nowMs);
    this.current.record(ns);
  }

  /** Number of values in the running total. */
  get count(): number {
    return this.total.count + this.current.count;
  }

  /** Closes the current slot if `nowMs` is past it and expires slots that left a window. */
  advance(nowMs: number): void {
    const index = Math.floor(nowMs / this.slotMs);
    if (index <= this.currentIndex) return;
    if (this.current.count > 0) {
      const counts = this.current.toSparse();
      this.total.addSparse(counts, 1);
      this.aggregates['1m'].addSparse(counts, 1);
      this.aggregates['5m'].addSparse(counts, 1);
      this.closed.push({ index: this.currentIndex, counts });
      this.current.reset();
    }
    this.currentIndex = index;
    this.slotEndMs = (index + 1) * this.slotMs;
    for (const w of ['1m', '5m'] as const) {
      const oldestKept = index - this.slotsPer[w] + 1;
      while (this.expired[w] < this.closed.length) {
        const slot = this.closed[this.expired[w]] as ClosedSlot;
        if (slot.index >= oldestKept) break;
        this.aggregates[w].addSparse(slot.counts, -1);
        this.expired[w]++;
      }
    }
    // Slots gone from the longest window are no longer needed.
    const drop = this.expired['5m'];
    if (drop > 0) {
      this.closed.splice(0, drop);
      this.expired['5m'] = 0;
      this.expired['1m'] -= drop;
    }
  }

  /**
   * Reads a window at `nowMs` (advancing it first). `qs` ascending, in (0, 1]. With
   * `cumulative`, the same pass counts the values at or below each of its bounds.
   */
  read(window: WindowName, qs: readonly number[], nowMs: number, cumulative?: Cumulative): WindowReading {
    this.advance(nowMs);
    const agg = window === 'total' ? this.total : this.aggregates[window];
    const parts = [agg, this.current];
    let min = this.current.count > 0 ? this.current.min : Number.POSITIVE_INFINITY;
    let max = this.current.count > 0 ? this.current.max : 0;
    if (window === 'total') {
      if (this.total.count > 0) {
        min = Math.min(min, this.total.min);
        max = Math.max(max, this.total.max);
      }
    } else {
      for (let k = this.expired[window]; k < this.closed.length; k++) {
        const c = (this.closed[k] as ClosedSlot).counts;
        if (c.min < min) min = c.min;
        if (c.max > max) max = c.max;
      }
    }
    const quantiles: number[] = new Array(qs.length);
    const count = quantilesOf(parts, qs, quantiles, { min, max }, cumulative);
    return {
      count,
      sum: agg.sum + this.current.sum,
      min: count === 0 ? Number.NaN : min,
      max: count === 0 ? Number.NaN : max,
      quantiles,
    };
  }

  /** Cumulative counts at or below each ascending bound (ns) in a window; returns the window's count. */
  countsAtOrBelow(window: WindowName, boundsNs: readonly number[], out: number[], nowMs: number): number {
    this.advance(nowMs);
    const agg = window === 'total' ? this.total : this.aggregates[window];
    return cumulativeCounts([agg, this.current], boundsNs, out);
  }
}
