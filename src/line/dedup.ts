/**
 * De-duplication by (workload, iteration) for sources that may deliver a line twice (the
 * Kubernetes log source re-reads from `sinceTime` after a reconnect, and the API server
 * truncates that to whole seconds). A sample is a duplicate when the same workload and
 * iteration was seen with the same start time; a restarted workload (iterations from 0
 * again, new start times) is new data. Memory is bounded: the last `perWorkload` iterations
 * of each of at most `maxWorkloads` workloads are remembered.
 */
import type { Sample } from './types.js';

export class Deduplicator {
  /** Samples rejected as already seen. */
  duplicates = 0;
  private readonly seen = new Map<string, Map<number, number>>();

  constructor(
    private readonly perWorkload = 1024,
    private readonly maxWorkloads = 64,
  ) {}

  /** True when the sample is new (and remembers it), false for a duplicate. */
  accept(s: Sample): boolean {
    let m = this.seen.get(s.workload);
    if (m === undefined) {
      if (this.seen.size >= this.maxWorkloads) {
        const oldest = this.seen.keys().next().value;
        if (oldest !== undefined) this.seen.delete(oldest);
      }
      m = new Map();
      this.seen.set(s.workload, m);
    }
    // Seconds and nanoseconds folded into one number: unique enough per (workload, iteration).
    const start = s.startSec * 1e9 + s.startNsec;
    const prev = m.get(s.iteration);
    if (prev === start) {
      this.duplicates++;
      return false;
    }
    if (prev !== undefined) m.delete(s.iteration);
    m.set(s.iteration, start);
    if (m.size > this.perWorkload) {
      const oldest = m.keys().next().value;
      if (oldest !== undefined) m.delete(oldest);
    }
    return true;
  }
}
