/** Degradation of a workload's latency under sharing, per clock (interfaces.md section 3). */
import { type LatencySummary, ratio } from './summary.js';

export interface Degradation {
  /** shared p99 / baseline p99: the degradation factor. */
  dfP99: number;
  dfP50: number;
  jitterBaseline: number;
  jitterShared: number;
  /** Relative change of the throughput proxy (shared / baseline - 1). */
  throughputChange: number;
}

export function degradation(baseline: LatencySummary, shared: LatencySummary): Degradation {
  return {
    dfP99: ratio(shared.p99Ms, baseline.p99Ms),
    dfP50: ratio(shared.p50Ms, baseline.p50Ms),
    jitterBaseline: baseline.jitter,
    jitterShared: shared.jitter,
    throughputChange: ratio(shared.throughputProxyIps, baseline.throughputProxyIps) - 1,
  };
}
