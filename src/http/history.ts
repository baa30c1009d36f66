/** A short, bounded history of each workload's 1m wall p99, for the status page's sparkline. */
import type { Snapshot } from '../metrics/snapshot.js';

export class P99History {
  private readonly series = new Map<string, number[]>();

  constructor(private readonly points = 60) {}

  /** Appends the current 1m wall p99 (ms) of every workload in the snapshot. */
  record(snapshot: Snapshot): void {
    for (const w of snapshot.workloads) {
      const name = w.live.stats.workload;
      let s = this.series.get(name);
      if (s === undefined) {
        s = [];
        this.series.set(name, s);
      }
      const v = w.summaries.wall['1m'].p99Ms;
      s.push(Number.isFinite(v) ? v : Number.NaN);
      if (s.length > this.points) s.shift();
    }
  }

  get(workload: string): readonly number[] {
    return this.series.get(workload) ?? [];
  }
}
