/** What pod signalling reads from a snapshot: the 1m DF and p99 per clock of each workload with a baseline. */
import type { WorkloadReading } from '../k8s/signal.js';
import type { Snapshot } from '../metrics/snapshot.js';

/** DF (1m) per clock of every workload with a baseline, for pod signalling. */
export function dfReadings(snap: Snapshot): WorkloadReading[] {
  const out: WorkloadReading[] = [];
  for (const w of snap.workloads) {
    const df = w.df;
    if (df.device === undefined || df.wall === undefined) continue;
    out.push({
      workload: w.live.stats.workload,
      df: { device: df.device['1m'], wall: df.wall['1m'], queue: df.queue?.['1m'] ?? Number.NaN },
      p99Ms: { device: w.summaries.device['1m'].p99Ms, wall: w.summaries.wall['1m'].p99Ms, queue: w.summaries.queue['1m'].p99Ms },
      thresholds: w.live.thresholds,
    });
  }
  return out;
}
