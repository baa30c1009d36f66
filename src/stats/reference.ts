/**
 * What each clock is compared against: the stored baseline's quantiles, with a floor on the
 * queueing clock (docs/detection.md). Solo queueing delays are small (0.1-0.3 ms on the H100
 * fixtures) and partly timer noise, so a DF against them alone would swing with a few tens of
 * microseconds; below the floor a queueing delay counts as the floor, in the baseline and the
 * live value alike.
 */
import type { BaselineProfile, ClockBaseline } from './baseline.js';
import type { Clock } from './clocks.js';
import { type ExceedanceLevel, LEVELS } from './detector.js';

/** The queueing floor is at least this (ms)... */
export const QUEUE_FLOOR_MIN_MS = 0.05;
/** ...and at least this share of the baseline's wall p50. */
export const QUEUE_FLOOR_WALL_SHARE = 0.1;

export function queueFloorMs(p: BaselineProfile): number {
  return Math.max(QUEUE_FLOOR_MIN_MS, QUEUE_FLOOR_WALL_SHARE * p.clocks.wall.p50_ms);
}

/** The clock's baseline as compared against (queue: floored); undefined when the profile has none. */
export function clockReference(p: BaselineProfile, clock: Clock): ClockBaseline | undefined {
  if (clock !== 'queue') return p.clocks[clock];
  const q = p.clocks.queue;
  if (q === undefined) return undefined;
  const f = queueFloorMs(p);
  return {
    p50_ms: Math.max(q.p50_ms, f),
    p95_ms: Math.max(q.p95_ms, f),
    p99_ms: Math.max(q.p99_ms, f),
    p999_ms: Math.max(q.p999_ms, f),
    mean_ms: Math.max(q.mean_ms, f),
    count: q.count,
  };
}

/** Live p99 / baseline p99 of the clock (queue: both floored); NaN when either is missing. */
export function degradationFactor(p: BaselineProfile, clock: Clock, liveP99Ms: number): number {
  const ref = clockReference(p, clock);
  if (ref === undefined || !(ref.p99_ms > 0) || !Number.isFinite(liveP99Ms)) return Number.NaN;
  const live = clock === 'queue' ? Math.max(liveP99Ms, queueFloorMs(p)) : liveP99Ms;
  return live / ref.p99_ms;
}

/**
 * A sample exceeds a level only when it is slower than it by more than this share of the
 * baseline's median (queue: and by at least QUEUE_FLOOR_MIN_MS). Contention moves the tail by whole time
 * slices; a baseline captured in another run drifts by a few percent, which against a narrow
 * solo distribution (the H100 agent: p99.9 / p50 = 1.05) would otherwise triple the p99
 * exceedance rate with no co-tenant at all.
 */
export const EXCEEDANCE_MARGIN = 0.05;

/** The exceedance levels the detector watches on a clock whose baseline (clockReference) is `ref`. */
export function exceedanceLevels(clock: Clock, ref: ClockBaseline): ExceedanceLevel[] {
  // On the queueing clock a few tens of microseconds are timer noise: at least the floor's minimum.
  const share = EXCEEDANCE_MARGIN * ref.p50_ms;
  const marginMs = clock === 'queue' ? Math.max(share, QUEUE_FLOOR_MIN_MS) : share;
  return LEVELS.map((l) => ({ thresholdNs: (ref[l.quantile] + marginMs) * 1e6, p0: l.p0 }));
}
