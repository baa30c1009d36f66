/**
 * The live view the sidecar exposes: the statistics engine plus, per workload, the stored
 * baseline in force, the contention detectors (device, wall and queueing clocks) and the DF
 * thresholds. Pure state: sources feed it, collectors read it at scrape time.
 */
import type { Sample } from '../line/types.js';
import { AloneReference } from './alone.js';
import { type BaselineDocument, type BaselineProfile, selectProfile } from './baseline.js';
import { CLOCKS, type Clock } from './clocks.js';
import { ContentionDetector, DEFAULT_ARL0 } from './detector.js';
import { type EngineOptions, StatsEngine } from './engine.js';
import { clockReference, exceedanceLevels } from './reference.js';
import type { WorkloadStats } from './workload.js';

/** Clocks that carry a baseline, a DF and a detector: all three (queue when the baseline has it). */
export const DF_CLOCKS = CLOCKS;

export interface Thresholds {
  warning: number;
  critical: number;
}

export interface LiveOptions extends EngineOptions {
  /** Profile to pick from the baseline document (else by workload name). */
  profile?: string;
  arl0?: number;
  thresholds?: Thresholds;
  /** Told when a workload was evicted to make room for another (see {@link StatsEngine}). */
  onEvict?: (workload: string) => void;
}

export const DEFAULT_THRESHOLDS: Thresholds = { warning: 1.2, critical: 1.5 };

export interface LiveWorkload {
  stats: WorkloadStats;
  /** The baseline in force: the stored profile, else one bootstrapped from alone periods. */
  baseline: BaselineProfile | undefined;
  /** True when `baseline` was bootstrapped from the alone reference (never written to the store). */
  bootstrapped: boolean;
  /** The rolling reference of samples taken while alone. */
  alone: AloneReference;
  /** Whether the latest sample was taken alone: dcgm's pod mapping, else the queueing detector quiet; undefined: unknown. */
  aloneNow: boolean | undefined;
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

  private readonly onEvict: ((workload: string) => void) | undefined;

  constructor(opts: LiveOptions = {}) {
    this.engine = new StatsEngine({ evict: true, ...opts });
    this.onEvict = opts.onEvict;
    this.arl0 = opts.arl0 ?? DEFAULT_ARL0;
    this.profile = opts.profile;
    this.thresholds = opts.thresholds ?? DEFAULT_THRESHOLDS;
  }

  /**
   * Counts a sample; returns its workload's statistics, or undefined when it was not counted
   * (warmup, cap). `gpuAlone`: whether dcgm's pod mapping shows the workload's pod alone on its
   * GPU (undefined: no mapping).
   */
  ingest(s: Sample, nowMs: number, gpuAlone?: boolean): WorkloadStats | undefined {
    const stats = this.engine.ingest(s, nowMs);
    const evicted = this.engine.lastEvicted;
    if (evicted !== undefined) this.forget(evicted);
    if (stats === undefined) return undefined;
    let w = this.live.get(stats.workload);
    if (w === undefined) {
      w = {
        stats,
        baseline: undefined,
        bootstrapped: false,
        alone: new AloneReference(stats.workload),
        aloneNow: undefined,
        detectors: undefined,
        thresholds: this.thresholds,
      };
      this.attach(w);
      this.live.set(stats.workload, w);
    }
    const v = stats.values;
    const d = w.detectors;
    if (d !== undefined) {
      d.device?.observe(v[0] as number);
      d.wall?.observe(v[1] as number);
      d.queue?.observe(v[2] as number);
    }
    w.aloneNow = gpuAlone ?? (d?.queue === undefined ? undefined : !d.queue.active);
    if (w.aloneNow === true) {
      w.alone.observe(v, nowMs);
      if (w.baseline === undefined && w.alone.profile !== undefined) {
        // No stored baseline: bootstrap one from the alone periods, once.
        w.bootstrapped = true;
        this.attachProfile(w, { ...w.alone.profile });
      }
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

  /** Drops an evicted workload's live state (baseline, detectors, alone reference). */
  private forget(workload: string): void {
    this.live.delete(workload);
    this.onEvict?.(workload);
  }

  private attach(w: LiveWorkload): void {
    const stored = this.document === undefined ? undefined : selectProfile(this.document, w.stats.workload, this.profile);
    if (stored !== undefined) w.bootstrapped = false;
    // A bootstrapped baseline stays until a stored one arrives.
    this.attachProfile(w, stored ?? (w.bootstrapped ? w.baseline : undefined));
  }

  private attachProfile(w: LiveWorkload, p: BaselineProfile | undefined): void {
    w.baseline = p;
    if (p === undefined) {
      w.detectors = undefined;
      return;
    }
    const detectors: Partial<Record<Clock, ContentionDetector>> = {};
    for (const c of w.stats.clockNames) {
      const ref = clockReference(p, c);
      if (ref !== undefined) detectors[c] = new ContentionDetector(exceedanceLevels(c, ref), { arl0: this.arl0 });
    }
    w.detectors = detectors;
  }
}
