/**
 * Per-interval deltas of a cumulative histogram. The first reading only sets the base (what
 * the workload observed before the sidecar looked is not counted). A decrease of the count or
 * of any bucket means the workload restarted: that reading becomes the new base and nothing is
 * counted for the interval, so a delta is never negative. A changed bucket layout does the
 * same. Pure: no I/O.
 */
import type { HistogramReading } from './prom-text.js';

export type DeltaProblem = 'counter_reset' | 'layout_changed' | 'not_cumulative';

export type DeltaResult =
  | { ok: true; bounds: readonly number[]; perBucket: number[]; total: number; first: boolean }
  | { ok: false; problem: DeltaProblem; message: string };

export class HistogramDelta {
  private prev: HistogramReading | undefined;
  /** The endpoint answered without the histogram: when it appears, it counts from zero. */
  private absent = false;

  /** The endpoint answered but the histogram (or a matching series) is not there yet. */
  markAbsent(): void {
    if (this.prev === undefined) this.absent = true;
  }

  next(r: HistogramReading): DeltaResult {
    const prev = this.prev;
    const c = r.cumulative;
    for (let i = 1; i < c.length; i++) {
      if ((c[i] as number) < (c[i - 1] as number)) {
        // A torn or broken exposition: keep the old base, count nothing.
        return { ok: false, problem: 'not_cumulative', message: `${r.name}: bucket ${i} holds fewer than the one below it` };
      }
    }
    this.prev = r;
    if (prev === undefined && this.absent) {
      // Appeared since the last scrape: everything in it was observed while the sidecar watched.
      this.absent = false;
      const perBucket = c.map((v, i) => Math.max(0, Math.round(v - (i === 0 ? 0 : (c[i - 1] as number)))));
      return { ok: true, bounds: r.bounds, perBucket, total: perBucket.reduce((a, b) => a + b, 0), first: false };
    }
    if (prev === undefined) return { ok: true, bounds: r.bounds, perBucket: c.map(() => 0), total: 0, first: true };
    if (prev.bounds.length !== r.bounds.length || prev.bounds.some((b, i) => b !== r.bounds[i]))
      return { ok: false, problem: 'layout_changed', message: `${r.name}: bucket bounds changed; counting starts over` };
    const perBucket: number[] = new Array(c.length);
    let below = 0;
    for (let i = 0; i < c.length; i++) {
      const d = (c[i] as number) - (prev.cumulative[i] as number);
      if (d < 0) return { ok: false, problem: 'counter_reset', message: `${r.name}: bucket ${i} went down (the workload restarted)` };
      // Cumulative deltas must not decrease either; clamp rounding noise of float counters.
      perBucket[i] = Math.max(0, Math.round(d - below));
      below = Math.max(below, d);
    }
    const total = perBucket.reduce((a, b) => a + b, 0);
    return { ok: true, bounds: r.bounds, perBucket, total, first: false };
  }

  /** Forget the base (the endpoint went away); the next reading sets a new one. */
  reset(): void {
    this.prev = undefined;
  }
}
