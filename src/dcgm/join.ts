/**
 * The per-iteration join: each counted iteration is attributed to the dcgm reading covering
 * it (the latest scrape, when recent), giving per workload the wall-clock p99 while the GPU
 * was alone vs shared (by dcgm's pod mapping) and the rank correlation of wall latency with
 * SM activity over the last iterations. Bounded: two histograms and two rings per workload.
 */
import { LatencyHistogram, quantilesOf } from '../stats/histogram.js';
import { spearman } from '../stats/rank.js';
import { QUANTILES } from '../stats/summary.js';
import type { GpuReading } from './parse.js';

export const TENANCIES = ['alone', 'shared'] as const;
export type Tenancy = (typeof TENANCIES)[number];

/** Iterations kept per workload for the correlation. */
export const CORRELATION_WINDOW = 2000;

class WorkloadJoin {
  readonly byTenancy: Record<Tenancy, LatencyHistogram> = { alone: new LatencyHistogram(), shared: new LatencyHistogram() };
  readonly wall = new Float64Array(CORRELATION_WINDOW);
  readonly sm = new Float64Array(CORRELATION_WINDOW);
  n = 0;
  next = 0;
}

export class TenancyJoin {
  private readonly workloads = new Map<string, WorkloadJoin>();
  /** Iterations without a recent dcgm reading. */
  unattributed = 0;

  constructor(private readonly maxWorkloads = 32) {}

  observe(workload: string, wallNs: number, gpu: GpuReading | undefined): void {
    if (gpu === undefined) {
      this.unattributed++;
      return;
    }
    let w = this.workloads.get(workload);
    if (w === undefined) {
      if (this.workloads.size >= this.maxWorkloads) return;
      w = new WorkloadJoin();
      this.workloads.set(workload, w);
    }
    // Without dcgm's pod mapping there is no co-tenancy to tell.
    if (gpu.pods.size > 0) w.byTenancy[gpu.pods.size > 1 ? 'shared' : 'alone'].record(Math.round(wallNs));
    const sm = gpu.values.get('sm_active_ratio');
    if (sm !== undefined) {
      w.wall[w.next] = wallNs;
      w.sm[w.next] = sm;
      w.next = (w.next + 1) % CORRELATION_WINDOW;
      w.n = Math.min(w.n + 1, CORRELATION_WINDOW);
    }
  }

  /** Forgets a workload the statistics evicted, freeing its slot here too. */
  forget(workload: string): void {
    this.workloads.delete(workload);
  }

  /** Per workload: quantiles (ns, QUANTILES order) and counts by tenancy, and Spearman's rho. */
  *read(): Generator<{ workload: string; tenancy: Record<Tenancy, { count: number; quantilesNs: number[] }>; rho: number }> {
    for (const [workload, w] of this.workloads) {
      const tenancy = {} as Record<Tenancy, { count: number; quantilesNs: number[] }>;
      for (const t of TENANCIES) {
        const out: number[] = [];
        const count = quantilesOf([w.byTenancy[t]], QUANTILES, out);
        tenancy[t] = { count, quantilesNs: out };
      }
      yield { workload, tenancy, rho: spearman(w.wall, w.sm, w.n) };
    }
  }
}
