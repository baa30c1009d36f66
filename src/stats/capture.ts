/**
 * Live baseline capture: once a workload that has no stored baseline has counted N
 * samples (after warmup), its total-window statistics become its baseline profile. Only
 * missing baselines are captured, so a restarted sidecar never overwrites a good solo
 * baseline with figures taken under contention.
 */
import { type BaselineProfile, makeProfile } from './baseline.js';
import type { LiveTracker } from './live.js';

export class BaselineCapture {
  private readonly done = new Set<string>();

  constructor(
    private readonly tracker: LiveTracker,
    private readonly samples: number,
    private readonly profile: string | undefined,
    private readonly source: string,
  ) {}

  /** Profiles ready to be stored now (each workload at most once per process). */
  ready(nowMs: number): BaselineProfile[] {
    const out: BaselineProfile[] = [];
    const doc = this.tracker.baselines;
    for (const w of this.tracker.workloads()) {
      const name = w.stats.workload;
      if (this.done.has(name) || w.stats.samples < this.samples) continue;
      this.done.add(name);
      if (doc?.profiles.some((p) => p.workload === name && (this.profile === undefined || p.profile === this.profile)) === true) continue;
      out.push(
        makeProfile({
          profile: this.profile ?? name,
          workload: name,
          capturedAt: new Date(nowMs),
          clocks: w.stats.summaries('total', nowMs),
          source: this.source,
          wallOnly: w.stats.wallOnly,
        }),
      );
    }
    return out;
  }

  /** Forget a workload so a failed write is tried again on the next call. */
  retry(workload: string): void {
    this.done.delete(workload);
  }
}
