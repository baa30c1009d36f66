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

/** The exceedance levels the detector watches on this clock. */
export function exceedanceLevels(ref: ClockBaseline): ExceedanceLevel[] {
  return LEVELS.map((l) => ({ thresholdNs: ref[l.quantile] * 1e6, p0: l.p0 }));
}
