/** Writes KTS_APP v1 lines: the inverse of the parser, used by emitters, replay and tests. */
import { epochNsString, type Sample } from './types.js';

export interface LineFields {
  workload: string;
  iteration: number | bigint;
  /** Decimal nanoseconds since the epoch (string or bigint: wider than 2^53). */
  startNs: string | bigint;
  endNs: string | bigint;
  /** As text (kept verbatim) or a number (written with 6 decimals, like the reference workers). */
  deviceMs: string | number;
  phase?: string;
}

export function formatLine(f: LineFields): string {
  const device = typeof f.deviceMs === 'number' ? f.deviceMs.toFixed(6) : f.deviceMs;
  const base = `KTS_APP,v1,${f.workload},${f.iteration},${f.startNs},${f.endNs},${device}`;
  return f.phase === undefined ? base : `${base},${f.phase}`;
}

/** Re-emits a parsed sample (device time with 6 decimals). */
export function formatSample(s: Sample): string {
  return formatLine({
    workload: s.workload,
    iteration: s.iteration,
    startNs: epochNsString(s.startSec, s.startNsec),
    endNs: epochNsString(s.endSec, s.endNsec),
    deviceMs: s.deviceMs,
    phase: s.phase,
  });
}
