/**
 * Latencies known only as histogram buckets (a workload's own Prometheus histogram). Each
 * interval's observations are recorded spread evenly inside their bucket, the k-th of n in
 * (lo, hi] at lo + (hi - lo) k / n: the linear interpolation of Prometheus' histogram_quantile,
 * so a quantile read from the recorded values lies in the same bucket as the true one. The
 * first bucket starts at 0; the +Inf bucket is recorded at the largest finite bound.
 * A quantile is only as fine as its bucket: {@link bucketOf} names the bucket that holds a value.
 */

/**
 * Calls `record(ns)` once per observation. `boundsNs`: finite upper bounds, ascending;
 * `perBucket`: counts per bucket, the +Inf bucket last. Observations of one interval are
 * interleaved across buckets (round-robin), not sorted, so the detector sees them mixed.
 */
export function spreadObservations(boundsNs: readonly number[], perBucket: readonly number[], record: (ns: number) => void): number {
  const last = boundsNs.length === 0 ? 0 : (boundsNs[boundsNs.length - 1] as number);
  let left = 0;
  for (const n of perBucket) left += n;
  const total = left;
  const taken = perBucket.map(() => 0);
  while (left > 0) {
    for (let i = 0; i < perBucket.length; i++) {
      const n = perBucket[i] as number;
      const k = taken[i] as number;
      if (k >= n) continue;
      taken[i] = k + 1;
      left--;
      if (i >= boundsNs.length) {
        record(last);
        continue;
      }
      const hi = boundsNs[i] as number;
      const lo = i === 0 ? 0 : (boundsNs[i - 1] as number);
      record(lo + ((hi - lo) * (k + 1)) / n);
    }
  }
  return total;
}

/** The bucket (lower, upper] of a layout that holds `v`: index into bounds, bounds.length for +Inf. */
export function bucketOf(boundsNs: readonly number[], v: number, relativeSlack = 0): number {
  for (let i = 0; i < boundsNs.length; i++) if (v <= (boundsNs[i] as number) * (1 + relativeSlack)) return i;
  return boundsNs.length;
}

/** The bounds of bucket `i` (ns): [lower, upper]; the +Inf bucket is [largest, Infinity]. */
export function bucketBounds(boundsNs: readonly number[], i: number): [number, number] {
  const lo = i === 0 ? 0 : (boundsNs[i - 1] as number);
  const hi = i < boundsNs.length ? (boundsNs[i] as number) : Number.POSITIVE_INFINITY;
  return [lo, hi];
}

/** Relative slack when placing a quantile read from the HDR histograms (3 significant digits) into a bucket. */
export const HDR_SLACK = 2e-3;

/**
 * The bucket holding a quantile read from spread observations: [lower, upper] in ns. A value
 * at the largest finite bound may come from the +Inf bucket, so its upper bound is Infinity.
 */
export function quantileBucket(boundsNs: readonly number[], v: number): [number, number] {
  if (!Number.isFinite(v) || boundsNs.length === 0) return [Number.NaN, Number.NaN];
  const last = boundsNs[boundsNs.length - 1] as number;
  if (v >= last * (1 - HDR_SLACK)) return [last, Number.POSITIVE_INFINITY];
  return bucketBounds(boundsNs, bucketOf(boundsNs, v, HDR_SLACK));
}

/**
 * The DF the buckets allow: 1 when the live and the baseline p99 fall in the same bucket (the
 * data cannot tell them apart), else live / baseline of the interpolated values.
 */
export function bucketedDf(boundsNs: readonly number[], liveNs: number, baselineNs: number): number {
  if (!Number.isFinite(liveNs) || !(baselineNs > 0)) return Number.NaN;
  const [lo] = quantileBucket(boundsNs, liveNs);
  const [blo] = quantileBucket(boundsNs, baselineNs);
  return lo === blo ? 1 : liveNs / baselineNs;
}
