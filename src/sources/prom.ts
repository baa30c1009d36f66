/**
 * `prom:<url>`: scrapes the workload's own Prometheus endpoint every interval and hands each
 * interval's observations of one histogram (buckets summed over the series matching a label
 * filter) to `onObservations`, as counts per bucket. It reads no lines: its decoder stays
 * empty. Every problem (endpoint down, counter reset, changed layout, NaN...) is counted by
 * reason and never stops it; an endpoint that is down does not gate /readyz.
 */
import { LineDecoder } from '../line/decoder.js';
import { type StageCounters, StageMeans } from './prom-counters.js';
import { HistogramDelta } from './prom-delta.js';
import { fetchBounded } from './prom-fetch.js';
import { readHistogram } from './prom-text.js';
import { newStatus, type Source, type SourceStatus } from './source.js';

export const PROM_PROBLEMS = [
  'down',
  'timeout',
  'http_status',
  'too_large',
  'missing_histogram',
  'missing_bucket',
  'not_finite',
  'layout_mismatch',
  'layout_changed',
  'counter_reset',
  'not_cumulative',
] as const;
export type PromProblem = (typeof PROM_PROBLEMS)[number];

export interface PromInterval {
  workload: string;
  /** Finite upper bounds in ns, ascending. */
  boundsNs: readonly number[];
  /** Observations per bucket in the interval, the +Inf bucket last. */
  perBucket: readonly number[];
  atMs: number;
}

export interface PromSourceOptions {
  url: string;
  workload: string;
  /** Histogram family names, first present wins (a preset's fallbacks). */
  names: readonly string[];
  labels: ReadonlyMap<string, string>;
  /** Nanoseconds per unit of the histogram (seconds: 1e9, ms: 1e6). */
  nsPerUnit: number;
  intervalMs: number;
  timeoutMs: number;
  maxBytes: number;
  onObservations: (i: PromInterval) => void;
  /** Every successful scrape's body, for readers of other families. */
  onBody?: (text: string, atMs: number) => void;
  /** Cumulative duration and request counters to read a mean per stage from (Triton). */
  stages?: StageCounters;
  onError?: (problem: PromProblem, message: string) => void;
}

export class PromSource implements Source {
  readonly status: SourceStatus;
  readonly decoder = new LineDecoder(() => undefined);
  /** Problems counted by reason (every reason present from the start). */
  readonly problems = new Map<PromProblem, number>(PROM_PROBLEMS.map((p) => [p, 0]));
  readonly gatesReadiness = false;
  scrapes = 0;
  /** Observations handed on. */
  observations = 0;
  private readonly delta = new HistogramDelta();
  /** The latest interval's mean per stage, when the server has stage counters (Triton). */
  readonly stageMeans: StageMeans | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(readonly opts: PromSourceOptions) {
    this.status = newStatus(`prom:${opts.url}`);
    this.stageMeans = opts.stages === undefined ? undefined : new StageMeans(opts.stages, opts.labels);
  }

  async start(): Promise<void> {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.scrapeOnce().then(() => this.schedule(this.opts.intervalMs));
    }, delayMs);
    this.timer.unref();
  }

  private fail(problem: PromProblem, message: string, up: boolean): void {
    this.status.up = up;
    this.problems.set(problem, (this.problems.get(problem) ?? 0) + 1);
    if (this.status.lastError !== message) this.opts.onError?.(problem, message);
    this.status.lastError = message;
  }

  /** One scrape and its interval's observations. */
  async scrapeOnce(): Promise<void> {
    const o = this.opts;
    const got = await fetchBounded(o.url, o.timeoutMs, o.maxBytes);
    const atMs = Date.now();
    if (!got.ok) return this.fail(got.problem, got.message, false);
    this.scrapes++;
    o.onBody?.(got.text, atMs);
    this.stageMeans?.observe(got.text);
    const read = readHistogram(got.text, o.names, o.labels);
    if (!read.ok) {
      if (read.problem === 'missing_histogram') this.delta.markAbsent();
      return this.fail(read.problem, read.message, true);
    }
    const d = this.delta.next(read.reading);
    if (!d.ok) return this.fail(d.problem, d.message, true);
    this.status.up = true;
    this.status.lastError = undefined;
    if (d.first || d.total === 0) return;
    this.observations += d.total;
    o.onObservations({ workload: o.workload, boundsNs: d.bounds.map((b) => b * o.nsPerUnit), perBucket: d.perBucket, atMs });
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.inFlight;
    this.status.up = false;
  }
}
