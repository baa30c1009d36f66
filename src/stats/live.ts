/**
 * The live view the sidecar exposes: the statistics engine plus, per workload, the stored
 * baseline in force, the contention detectors (device, wall and queueing clocks) and the DF
 * thresholds. Pure state: sources feed it, collectors read it at scrape time.
 */
import type { Sample } from '../line/types.js';
import { type BaselineDocument, type BaselineProfile, selectProfile } from './baseline.js';
import { CLOCKS, type Clock } from './clocks.js';
import { ContentionDetector, DEFAULT_ARL0 } from './detector.js';
import { type EngineOptions, StatsEngine } from './engine.js';
import { clockReference, exceedanceLevels } from './reference.js';
import type { WorkloadStats } from './workload.js';

/** Clocks that carry a baseline, a DF and a detector: all three (queue when the baseline has it). */
export const DF_CLOCKS = CLOCKS;
export type DfClock = Clock;

export interface Thresholds {
  warning: number;
  critical: number;
}

export interface LiveOptions extends EngineOptions {
  /** Profile to pick from the baseline document (else by workload name). */
  profile?: string;
  arl0?: number;
  thresholds?: Thresholds;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warning: 1.2, critical: 1.5 };

export interface LiveWorkload {
  stats: WorkloadStats;
  baseline: BaselineProfile | undefined;
  /** Per clock; a clock the baseline lacks (queue in old baselines) has none. Undefined without a baseline. */
  detectors: Partial<Record<Clock, ContentionDetector>> | undefined;
  thresholds: Thresholds;
}

export class LiveTracker {
  readonly engine: StatsEngine;
  private readonly live = new Map<string, LiveWorkload>();
  private document: BaselineDocument | undefined;
  private readonly arl0: number;
  private profile: string | undefined;
  private thresholds: Thresholds;

  constructor(opts: LiveOptions = {}) {
    this.engine = new StatsEngine(opts);
    this.arl0 = opts.arl0 ?? DEFAULT_ARL0;
    this.profile = opts.profile;
    this.thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  }

  /** Counts a sample; returns its workload's statistics, or undefined when it was not counted (warmup, cap). */
  ingest(s: Sample, nowMs: number): WorkloadStats | undefined {
    const stats = this.engine.ingest(s, nowMs);
    if (stats === undefined) return undefined;
    let w = this.live.get(stats.workload);
    if (w === undefined) {
      w = { stats, baseline: undefined, detectors: undefined, thresholds: this.thresholds };
      this.attach(w);
      this.live.set(stats.workload, w);
    }
    const d = w.detectors;
    if (d !== undefined) {
      d.device?.observe(stats.values[0] as number);
      d.wall?.observe(stats.values[1] as number);
      d.queue?.observe(stats.values[2] as number);
    }
    return stats;
  }

  /** Replaces the baseline document (undefined: none loaded); detectors start over. */
  setBaselines(doc: BaselineDocument | undefined): void {
    this.document = doc;
    for (const w of this.live.values()) this.attach(w);
  }

  /** Thresholds in force for every workload (pod annotations can change them live). */
  setThresholds(t: Thresholds): void {
    this.thresholds = t;
    for (const w of this.live.values()) w.thresholds = t;
  }

  /** Picks another baseline profile; detectors of workloads whose profile changed start over. */
  setProfile(profile: string | undefined): void {
    if (profile === this.profile) return;
    this.profile = profile;
    for (const w of this.live.values()) this.attach(w);
  }

  get baselines(): BaselineDocument | undefined {
    return this.document;
  }

  workloads(): IterableIterator<LiveWorkload> {
    return this.live.values();
  }

  get(workload: string): LiveWorkload | undefined {
    return this.live.get(workload);
  }

  private attach(w: LiveWorkload): void {
    const p = this.document === undefined ? undefined : selectProfile(this.document, w.stats.workload, this.profile);
    w.baseline = p;
    if (p === undefined) {
      w.detectors = undefined;
      return;
    }
    const detectors: Partial<Record<Clock, ContentionDetector>> = {};
    for (const c of CLOCKS) {
      const ref = clockReference(p, c);
      if (ref !== undefined) detectors[c] = new ContentionDetector(exceedanceLevels(ref), { arl0: this.arl0 });
    }
    w.detectors = detectors;
  }
}
