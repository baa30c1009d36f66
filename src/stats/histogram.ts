/**
 * HDR histogram of latencies in integer nanoseconds (hdr-histogram-js, 3 significant
 * digits), plus the exact count, sum, min and max the HDR buckets cannot give.
 *
 * Quantiles of one or several histograms are read in a single pass over the occupied
 * bucket range, so a scrape costs O(buckets between min and max), not O(samples).
 */
import type { JsHistogram } from 'hdr-histogram-js';
// The two classes by their own modules: the package index also decodes the WebAssembly
// build, which costs about 14 MB of RSS that the sidecar never uses.
import float64Module from 'hdr-histogram-js/dist/Float64Histogram.js';
import int32Module from 'hdr-histogram-js/dist/Int32Histogram.js';

const Int32Histogram = int32Module.default;
const Float64Histogram = float64Module.default;

export const SIGNIFICANT_DIGITS = 3;

/** Counts of the non-empty buckets of a histogram: a compact, immutable copy. */
export interface SparseCounts {
  readonly indices: Uint32Array;
  readonly counts: Float64Array;
  readonly count: number;
  readonly sum: number;
  readonly min: number;
  readonly max: number;
}

export type CounterWidth = 'int32' | 'float64';

/**
 * HDR's counts-array index of an integer value below 2^31, computed with clz32 and shifts
 * instead of the library's log2 and pow (the hot path records three values per line).
 * Equal to `countsArrayIndex(value)`, which the tests check over the whole range.
 */
export function fastIndex(h: JsHistogram, value: number): number {
  const magnitude = h.subBucketHalfCountMagnitude;
  const unit = h.unitMagnitude;
  const bucket = Math.max(31 - Math.clz32(value) - magnitude - unit, 0);
  return ((bucket + 1) << magnitude) + (value >>> (bucket + unit)) - h.subBucketHalfCount;
}

/** Counts-array index of any non-negative integer value: the fast path below 2^31. */
export function indexOf(h: JsHistogram, value: number): number {
  return value < 0x80000000 ? fastIndex(h, value) : h.countsArrayIndex(value);
}

export class LatencyHistogram {
  /**
   * Made on first use: a workload has twelve of these, and most of a flood of one-line
   * workload names (evicted at the cap) only ever fills three.
   */
  private made: JsHistogram | undefined;
  count = 0;
  sum = 0;
  min = Number.POSITIVE_INFINITY;
  max = 0;

  constructor(private readonly width: CounterWidth = 'int32') {}

  get hdr(): JsHistogram {
    if (this.made === undefined) {
      // Start small and let HDR grow the counts array to the largest value seen.
      const h =
        this.width === 'int32' ? new Int32Histogram(1, 2048, SIGNIFICANT_DIGITS) : new Float64Histogram(1, 2048, SIGNIFICANT_DIGITS);
      h.autoResize = true;
      this.made = h;
    }
    return this.made;
  }

  /** Records one value in nanoseconds (non-negative integer). */
  record(ns: number): void {
    const h = this.hdr;
    const i = indexOf(h, ns);
    if (i < h.countsArrayLength) {
      h.incrementCountAtIndex(i);
      h.incrementTotalCount();
    } else {
      h.recordValue(ns); // resizes the counts array
    }
    this.count++;
    this.sum += ns;
    if (ns < this.min) this.min = ns;
    if (ns > this.max) this.max = ns;
  }

  get mean(): number {
    return this.count === 0 ? 0 : this.sum / this.count;
  }

  reset(): void {
    if (this.count === 0) return;
    this.hdr.reset();
    this.count = 0;
    this.sum = 0;
    this.min = Number.POSITIVE_INFINITY;
    this.max = 0;
  }

  /** Copies the occupied buckets. */
  toSparse(): SparseCounts {
    const h = this.hdr;
    const lo = this.count === 0 ? 0 : indexOf(h, this.min);
    const hi = this.count === 0 ? -1 : indexOf(h, this.max);
    let n = 0;
    for (let i = lo; i <= hi; i++) if (h.getCountAtIndex(i) !== 0) n++;
    const indices = new Uint32Array(n);
    const counts = new Float64Array(n);
    let k = 0;
    for (let i = lo; i <= hi; i++) {
      const c = h.getCountAtIndex(i);
      if (c !== 0) {
        indices[k] = i;
        counts[k] = c;
        k++;
      }
    }
    return { indices, counts, count: this.count, sum: this.sum, min: this.min, max: this.max };
  }

  /**
   * Adds (sign 1) or removes (sign -1) a sparse copy taken from a histogram of the same
   * layout. After a removal, min and max are no longer exact: owners that remove
   * (sliding windows) track the extremes themselves.
   */
  addSparse(s: SparseCounts, sign: 1 | -1): void {
    if (s.count === 0) return;
    const h = this.hdr;
    if (sign === 1 && s.max > this.max) {
      // Let HDR resize its counts array to cover the incoming buckets.
      h.recordValueWithCount(s.max, 0);
    }
    const n = s.indices.length;
    for (let k = 0; k < n; k++) h.addToCountAtIndex(s.indices[k] as number, sign * (s.counts[k] as number));
    h.setTotalCount(h.totalCount + sign * s.count);
    this.count += sign * s.count;
    this.sum += sign * s.sum;
    if (sign === 1) {
      if (s.min < this.min) this.min = s.min;
      if (s.max > this.max) this.max = s.max;
    } else if (this.count === 0) {
      this.reset();
    }
  }
}

type Counts = ArrayLike<number>;

const EMPTY_COUNTS: Counts = new Float64Array(0);

/**
 * The counts array behind a histogram, read directly on the scrape path (a virtual
 * getCountAtIndex call per bucket costs several times more). hdr-histogram-js keeps it in
 * `_counts`; if a future version does not, fall back to a copy through the public API.
 */
function countsOf(h: JsHistogram): Counts {
  const raw = (h as unknown as { _counts?: unknown })._counts;
  if (raw instanceof Uint32Array || raw instanceof Int32Array || raw instanceof Float64Array) return raw;
  return Float64Array.from({ length: h.countsArrayLength }, (_, i) => h.getCountAtIndex(i));
}

/** Count at index i of every part (indices past a part's array are empty). */
function countAt(arrays: readonly Counts[], i: number): number {
  let c = 0;
  for (let k = 0; k < arrays.length; k++) {
    const a = arrays[k] as Counts;
    if (i < a.length) c += a[i] as number;
  }
  return c;
}

/** Nearest rank (1-based) of quantile q among n values, robust to floating-point noise. */
export function nearestRank(q: number, n: number): number {
  const r = q * n;
  const rounded = Math.round(r);
  const rank = Math.abs(r - rounded) <= 1e-9 * Math.max(1, r) ? rounded : Math.ceil(r);
  return Math.min(n, Math.max(1, rank));
}

/** Ascending bounds (ns) and where to write how many values are at or below each. */
export interface Cumulative {
  readonly boundsNs: readonly number[];
  readonly out: number[];
}

/**
 * Quantiles (ascending `qs`) of the union of `parts`, in nanoseconds, written into `out`.
 * `min`/`max` bound the scan and clamp the answers (HDR reports a bucket's upper edge).
 * Returns the number of values. With no values every answer is NaN. With `cumulative`, the
 * same pass also counts the values at or below each bound (see countsAtOrBelow).
 */
export function quantilesOf(
  parts: readonly LatencyHistogram[],
  qs: readonly number[],
  out: number[],
  bounds?: { min: number; max: number },
  cumulative?: Cumulative,
): number {
  let total = 0;
  let min = Number.POSITIVE_INFINITY;
  let max = 0;
  for (const p of parts) {
    total += p.count;
    if (p.count > 0) {
      if (p.min < min) min = p.min;
      if (p.max > max) max = p.max;
    }
  }
  if (bounds !== undefined) {
    min = bounds.min;
    max = bounds.max;
  }
  const nb = cumulative?.boundsNs.length ?? 0;
  const outC = cumulative?.out ?? [];
  if (total === 0) {
    for (let j = 0; j < qs.length; j++) out[j] = Number.NaN;
    for (let k = 0; k < nb; k++) outC[k] = 0;
    return 0;
  }
  const first = parts[0] as LatencyHistogram;
  const layout = first.hdr;
  const lo = indexOf(layout, min);
  const hi = indexOf(layout, max);
  // Bucket index of each bound (values sharing its bucket count as at or below it).
  const boundIdx: number[] = new Array(nb);
  for (let k = 0; k < nb; k++) {
    const b = (cumulative as Cumulative).boundsNs[k] as number;
    boundIdx[k] = b < 0 ? -1 : b >= max ? hi : indexOf(layout, Math.floor(b));
  }
  let k = 0;
  for (; k < nb && (boundIdx[k] as number) < lo; k++) outC[k] = 0;
  const arrays = parts.map((p) => (p.count === 0 ? EMPTY_COUNTS : countsOf(p.hdr)));
  let j = 0;
  let target = nearestRank(qs[0] as number, total);
  let seen = 0;
  // The windows read two parts (aggregate + current slot): a loop over two typed arrays
  // with hoisted lengths is several times faster than the general one.
  const a0 = arrays[0] as Counts;
  const a1 = (arrays.length === 2 ? arrays[1] : EMPTY_COUNTS) as Counts;
  const n0 = a0.length;
  const n1 = a1.length;
  const general = arrays.length > 2;
  for (let i = lo; i <= hi && (j < qs.length || k < nb); i++) {
    if (general) seen += countAt(arrays, i);
    else seen += (i < n0 ? (a0[i] as number) : 0) + (i < n1 ? (a1[i] as number) : 0);
    while (seen >= target && j < qs.length) {
      const v = layout.highestEquivalentValue(layout.valueFromIndex(i));
      out[j] = Math.min(Math.max(v, min), max);
      j++;
      if (j < qs.length) target = nearestRank(qs[j] as number, total);
    }
    while (k < nb && (boundIdx[k] as number) <= i) outC[k++] = seen;
  }
  for (; j < qs.length; j++) out[j] = max;
  for (; k < nb; k++) outC[k] = total;
  return total;
}

/**
 * For each ascending bound (ns), how many values of the union of `parts` are at or below
 * it, written into `out`; one pass. Values sharing the bound's HDR bucket count as at or
 * below (a relative uncertainty of 1/1024, like every HDR answer).
 */
export function countsAtOrBelow(parts: readonly LatencyHistogram[], boundsNs: readonly number[], out: number[]): number {
  let total = 0;
  let max = 0;
  let min = Number.POSITIVE_INFINITY;
  for (const p of parts) {
    total += p.count;
    if (p.count > 0 && p.max > max) max = p.max;
    if (p.count > 0 && p.min < min) min = p.min;
  }
  const first = parts[0];
  if (total === 0 || first === undefined) {
    for (let j = 0; j < boundsNs.length; j++) out[j] = 0;
    return total;
  }
  const layout = first.hdr;
  const last = indexOf(layout, max);
  let seen = 0;
  // Buckets below the smallest value are empty: start the scan there. (After a window
  // subtracted a slot, min may be stale-low, which only costs a longer scan.)
  let i = indexOf(layout, min);
  const arrays = parts.map((p) => (p.count === 0 ? EMPTY_COUNTS : countsOf(p.hdr)));
  for (let j = 0; j < boundsNs.length; j++) {
    const b = boundsNs[j] as number;
    if (b >= max) {
      out[j] = total;
      continue;
    }
    const bi = b < 0 ? -1 : indexOf(layout, Math.floor(b));
    for (; i <= bi && i <= last; i++) seen += countAt(arrays, i);
    out[j] = seen;
  }
  return total;
}
