/**
 * A server's cumulative duration and request counters, read per interval into a mean per
 * stage: Triton exposes `nv_inference_queue_duration_us` and
 * `nv_inference_compute_infer_duration_us` (microseconds summed over requests) beside
 * `nv_inference_request_success`. Their deltas over an interval give the mean time a request
 * spent queued and computing in it, and nothing more: no quantile, no tail. Pure.
 */
import { parseLabels, parseValue } from './prom-text.js';

export interface StageCounter {
  stage: string;
  /** The cumulative duration counter and its unit in ns. */
  duration: string;
  nsPerUnit: number;
}

export interface StageCounters {
  stages: readonly StageCounter[];
  /** The cumulative count of requests the durations are summed over. */
  requests: string;
}

/** The sum of a counter family's series whose labels match `filter`; undefined when absent. */
export function readCounterSum(text: string, name: string, filter: ReadonlyMap<string, string>): number | undefined {
  let sum: number | undefined;
  let at = text.indexOf(name);
  while (at >= 0) {
    const start = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    const next = text[at + name.length];
    if (start === at && (next === '{' || next === ' ')) {
      const line = text.slice(at + name.length, end).trim();
      const close = line.startsWith('{') ? line.lastIndexOf('}') : -1;
      const labels = line.startsWith('{') ? (close < 0 ? undefined : parseLabels(line.slice(1, close))) : new Map<string, string>();
      const value = parseValue(((close < 0 ? line : line.slice(close + 1)).trim().split(/\s+/)[0] ?? '').trim());
      if (labels !== undefined && Number.isFinite(value) && [...filter].every(([k, v]) => labels.get(k) === v)) sum = (sum ?? 0) + value;
    }
    at = text.indexOf(name, end);
  }
  return sum;
}

/** Per interval: each stage's mean duration per request (seconds), NaN when no request ended in it. */
export class StageMeans {
  /** The latest interval's mean per stage, in seconds. */
  readonly latest = new Map<string, number>();
  private previous: { requests: number; durations: number[] } | undefined;

  constructor(
    readonly spec: StageCounters,
    private readonly filter: ReadonlyMap<string, string>,
  ) {}

  /** Reads one scrape's body; a reset or a missing counter starts over. */
  observe(text: string): void {
    const requests = readCounterSum(text, this.spec.requests, this.filter);
    const durations = this.spec.stages.map((s) => readCounterSum(text, s.duration, this.filter));
    if (requests === undefined || durations.some((d) => d === undefined)) {
      this.previous = undefined;
      return;
    }
    const now = { requests, durations: durations as number[] };
    const prev = this.previous;
    this.previous = now;
    if (prev === undefined || now.requests < prev.requests || now.durations.some((d, i) => d < (prev.durations[i] as number))) return;
    const n = now.requests - prev.requests;
    this.spec.stages.forEach((s, i) => {
      this.latest.set(
        s.stage,
        n > 0 ? (((now.durations[i] as number) - (prev.durations[i] as number)) * s.nsPerUnit) / n / 1e9 : Number.NaN,
      );
    });
  }
}
