/** The statistics reported for one stream of latencies: quantiles, jitter, throughput proxy. */

/** Quantiles every reading carries, ascending. */
export const QUANTILES = [0.5, 0.95, 0.99, 0.999] as const;

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  meanMs: number;
  /** p99 / p50. NaN when p50 is 0 or there are no samples. */
  jitter: number;
  /** The seed's throughput proxy: 1000 / mean_ms, iterations per second. */
  throughputProxyIps: number;
}

const NS_PER_MS = 1e6;

export function ratio(a: number, b: number): number {
  return b > 0 && Number.isFinite(a) && Number.isFinite(b) ? a / b : Number.NaN;
}

/** Builds a summary from nanosecond quantiles (aligned with {@link QUANTILES}), sum and max. */
export function summaryFromNs(count: number, quantilesNs: readonly number[], sumNs: number, maxNs: number): LatencySummary {
  const [p50 = Number.NaN, p95 = Number.NaN, p99 = Number.NaN, p999 = Number.NaN] = quantilesNs;
  const meanMs = count > 0 ? sumNs / count / NS_PER_MS : Number.NaN;
  return {
    count,
    p50Ms: p50 / NS_PER_MS,
    p95Ms: p95 / NS_PER_MS,
    p99Ms: p99 / NS_PER_MS,
    p999Ms: p999 / NS_PER_MS,
    maxMs: count > 0 ? maxNs / NS_PER_MS : Number.NaN,
    meanMs,
    jitter: ratio(p99, p50),
    throughputProxyIps: ratio(1000, meanMs),
  };
}
