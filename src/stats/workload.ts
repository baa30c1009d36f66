/** Statistics of one workload: a windowed histogram per clock and its sample bookkeeping. */
import { endEpochSeconds, type Sample } from '../line/types.js';
import { CLOCKS, type Clock, clockValues } from './clocks.js';
import { type LatencySummary, QUANTILES, summaryFromNs } from './summary.js';
import { DEFAULT_SLOT_MS, WindowedHistogram, type WindowName } from './windows.js';

const WALL_ONLY = ['wall'] as const;

export class WorkloadStats {
  readonly clocks: Record<Clock, WindowedHistogram>;
  samples = 0;
  lastIteration = -1;
  /** Epoch seconds of the newest iteration's end. */
  lastSampleEpoch = 0;
  /** GPU time used, in ns: device = sum of device times, wall = sum of wall spans (read as seconds at scrape). */
  readonly busyNs = { device: 0, wall: 0 };
  /** Device, wall and queueing-delay values (ns) of the latest recorded sample. */
  readonly values: number[] = [0, 0, 0];

  /** When the workload's first sample was counted (the `nowMs` of that call). */
  readonly firstSampleMs: number;
  /**
   * The bucket layout (finite upper bounds, ns) when the latencies come from a histogram's
   * buckets (a prom: source): quantiles are then only as fine as these buckets.
   */
  bucketsNs: readonly number[] | undefined;
  /** When its latest sample was counted. */
  lastSeenMs: number;

  constructor(
    readonly workload: string,
    slotMs = DEFAULT_SLOT_MS,
    nowMs = 0,
    /** Only the wall clock exists (a prom: source): device and queue stay empty. */
    readonly wallOnly = false,
  ) {
    this.firstSampleMs = nowMs;
    this.lastSeenMs = nowMs;
    this.clocks = {
      device: new WindowedHistogram(slotMs, nowMs),
      wall: new WindowedHistogram(slotMs, nowMs),
      queue: new WindowedHistogram(slotMs, nowMs),
    };
  }

  record(s: Sample, nowMs: number): void {
    const v = this.values;
    clockValues(s, v);
    if (this.wallOnly) {
      v[0] = 0;
      v[2] = 0;
    } else {
      this.clocks.device.record(v[0] as number, nowMs);
      this.clocks.queue.record(v[2] as number, nowMs);
    }
    this.clocks.wall.record(v[1] as number, nowMs);
    this.busyNs.device += v[0] as number;
    this.busyNs.wall += v[1] as number;
    this.samples++;
    if (nowMs > this.lastSeenMs) this.lastSeenMs = nowMs;
    this.lastIteration = s.iteration;
    const end = endEpochSeconds(s);
    if (end > this.lastSampleEpoch) this.lastSampleEpoch = end;
  }

  /** The clocks this workload has: all three, or the wall clock alone. */
  get clockNames(): readonly Clock[] {
    return this.wallOnly ? WALL_ONLY : CLOCKS;
  }

  summary(clock: Clock, window: WindowName, nowMs: number): LatencySummary {
    const r = this.clocks[clock].read(window, QUANTILES, nowMs);
    return summaryFromNs(r.count, r.quantiles, r.sum, r.max);
  }

  summaries(window: WindowName, nowMs: number): Record<Clock, LatencySummary> {
    const out = {} as Record<Clock, LatencySummary>;
    for (const c of CLOCKS) out[c] = this.summary(c, window, nowMs);
    return out;
  }
}
