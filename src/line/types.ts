/**
 * The KTS_APP v1 line model (interfaces.md section 1). Pure types and constants:
 * nothing here does I/O, reads clocks or logs.
 */

/** Why a KTS_APP line was rejected. Order is stable: the index is used as a counter slot. */
export const MALFORMED_REASONS = [
  'field_count',
  'bad_number',
  'negative_value',
  'end_before_start',
  'bad_workload',
  'unsupported_version',
  'too_long',
  'bad_wrapper',
  'out_of_range',
] as const;

export type MalformedReason = (typeof MALFORMED_REASONS)[number];

/** Index of each reason in {@link MALFORMED_REASONS}. */
export const Reason = {
  fieldCount: 0,
  badNumber: 1,
  negativeValue: 2,
  endBeforeStart: 3,
  badWorkload: 4,
  unsupportedVersion: 5,
  tooLong: 6,
  badWrapper: 7,
  /** A number that does not fit its field: epoch beyond 2^64 - 1 ns, a duration over {@link MAX_DURATION_MS}. */
  outOfRange: 8,
} as const;

/** Outcome of parsing one physical line. */
export const Outcome = {
  /** A valid KTS_APP sample was written into the output object. */
  parsed: 0,
  /** Not a KTS_APP line (framework output, prints): counted and skipped. */
  ignored: 1,
  /** A KTS_APP line that failed validation: counted by reason. */
  malformed: 2,
  /** A CRI partial ("P") fragment was buffered; the line is not complete yet. */
  partial: 3,
} as const;

export type OutcomeCode = (typeof Outcome)[keyof typeof Outcome];

/** Longest KTS_APP payload accepted, in bytes. */
export const MAX_LINE_BYTES = 4096;

/**
 * Longest iteration accepted on either clock (1 hour): longer ones are `out_of_range`. Keeps a
 * typo or a hostile value from resizing every histogram of the workload (and from +Inf sums).
 */
export const MAX_DURATION_MS = 3_600_000;

/** Longest workload name (interfaces.md: `[A-Za-z0-9_.-]{1,64}`). */
export const MAX_WORKLOAD_LENGTH = 64;

/**
 * One parsed iteration. Epoch timestamps exceed 2^53 ns, so each is kept exact as whole
 * seconds plus nanoseconds within the second (both exact doubles).
 *
 * The parser reuses one instance per stream: copy what you keep.
 */
export interface Sample {
  workload: string;
  iteration: number;
  startSec: number;
  startNsec: number;
  endSec: number;
  endNsec: number;
  /** device_ms as written (exactly `Number(text)`). */
  deviceMs: number;
  /** Empty string when the line has no phase. */
  phase: string;
}

export function emptySample(): Sample {
  return {
    workload: '',
    iteration: 0,
    startSec: 0,
    startNsec: 0,
    endSec: 0,
    endNsec: 0,
    deviceMs: 0,
    phase: '',
  };
}

/** Wall-clock span of the iteration in nanoseconds (exact below ~104 days). */
export function wallNs(s: Sample): number {
  return (s.endSec - s.startSec) * 1e9 + (s.endNsec - s.startNsec);
}

/** Device time in whole nanoseconds. */
export function deviceNs(s: Sample): number {
  return Math.round(s.deviceMs * 1e6);
}

/** Queueing delay: wall minus device, clamped at 0, in nanoseconds. */
export function queueNs(s: Sample): number {
  const q = wallNs(s) - deviceNs(s);
  return Math.max(q, 0);
}

/** Epoch of the iteration end in (fractional) seconds, for gauges and plots. */
export function endEpochSeconds(s: Sample): number {
  return s.endSec + s.endNsec / 1e9;
}

/** The exact decimal nanosecond timestamp, as written on the line. */
export function epochNsString(sec: number, nsec: number): string {
  if (sec === 0) return String(nsec);
  return `${sec}${String(nsec).padStart(9, '0')}`;
}

export function copySample(s: Sample): Sample {
  return { ...s };
}
