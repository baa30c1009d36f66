/**
 * Scrapes the node's dcgm-exporter every interval (timeout per scrape, back-off after
 * failures) and keeps the latest reading of this pod's GPU. Its failures are counted by
 * reason and never touch the latency statistics or the sidecar's readiness.
 */
import { HttpGetError, httpGet } from '../io/http-get.js';
import { Backoff } from '../sources/backoff.js';
import { readLines } from './body.js';
import { DcgmAccumulator, DcgmParseError, type GpuReading } from './parse.js';
import { type GpuSelector, selectGpu } from './select.js';

/**
 * Failed scrapes by reason, plus what was cut from usable ones: `too_large` (a body over
 * {@link MAX_BODY_BYTES}, read up to there) and `bad_line` (each unreadable line, skipped).
 */
export const DCGM_ERROR_REASONS = ['timeout', 'connect', 'http_status', 'parse', 'no_gpu', 'too_large', 'bad_line'] as const;

/** Most bytes read from one scrape (a node with 16 GPUs and 64 pods writes well under 1 MiB). */
export const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Longest line read; dcgm-exporter's are under 1 KiB. */
const MAX_LINE = 64 * 1024;
export type DcgmErrorReason = (typeof DCGM_ERROR_REASONS)[number];

export interface DcgmOptions {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  selector: GpuSelector;
  onError?: (reason: DcgmErrorReason, message: string) => void;
  /** Called after every successful scrape that found the GPU. */
  onReading?: (gpu: GpuReading, atMs: number) => void;
}

export class DcgmScraper {
  up = false;
  scrapes = 0;
  lastDurationSeconds = Number.NaN;
  lastError: string | undefined;
  readonly errors = new Map<DcgmErrorReason, number>(DCGM_ERROR_REASONS.map((r) => [r, 0]));
  /** Latest reading of this pod's GPU and when it was taken. */
  latest: { gpu: GpuReading; atMs: number; by: 'pod' | 'uuid' | 'index' } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly backoff: Backoff;
  private inFlight: Promise<void> = Promise.resolve();

  constructor(private readonly opts: DcgmOptions) {
    this.backoff = new Backoff(opts.intervalMs, 30_000);
  }

  start(): void {
    this.schedule(0);
  }

  private schedule(delayMs: number): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      this.inFlight = this.scrapeOnce().then((ok) => this.schedule(ok ? this.opts.intervalMs : this.backoff.next()));
    }, delayMs);
    this.timer.unref();
  }

  private fail(reason: DcgmErrorReason, message: string, up: boolean): false {
    this.up = up;
    this.errors.set(reason, (this.errors.get(reason) ?? 0) + 1);
    if (this.lastError !== message) this.opts.onError?.(reason, message);
    this.lastError = message;
    return false;
  }

  private count(reason: DcgmErrorReason, n: number): void {
    if (n > 0) this.errors.set(reason, (this.errors.get(reason) ?? 0) + n);
  }

  /**
   * One scrape; resolves true when the GPU was read. The body is parsed as it streams in,
   * within {@link MAX_BODY_BYTES} and the scrape timeout, keeping only the sidecar's fields.
   */
  async scrapeOnce(): Promise<boolean> {
    const t0 = process.hrtime.bigint();
    const at = Date.now();
    const sel = this.opts.selector;
    const acc = new DcgmAccumulator({
      ...(sel.pod !== undefined ? { pod: `${sel.pod.namespace}/${sel.pod.name}` } : {}),
      ...(sel.uuid !== undefined ? { uuids: sel.uuid.split(',').map((u) => u.trim()) } : {}),
      ...(sel.index !== undefined ? { index: sel.index } : {}),
    });
    try {
      const res = await httpGet(this.opts.url, { timeoutMs: this.opts.timeoutMs });
      if (res.status !== 200) {
        res.cancel();
        return this.fail('http_status', `dcgm-exporter answered HTTP ${res.status}`, false);
      }
      const r = await readLines(res.body, MAX_BODY_BYTES, MAX_LINE, (line) => acc.line(line), res.cancel);
      if (r.cut) this.count('too_large', 1);
      this.count('bad_line', acc.badLines + r.longLines);
      if (r.cut && this.lastError === undefined) {
        this.opts.onError?.('too_large', `dcgm-exporter body over ${MAX_BODY_BYTES} bytes: read up to there`);
      }
    } catch (err) {
      if (err instanceof HttpGetError && err.kind === 'timeout')
        return this.fail('timeout', `no answer within ${this.opts.timeoutMs} ms`, false);
      return this.fail('connect', `${this.opts.url}: ${(err as Error).message}`, false);
    } finally {
      this.lastDurationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    this.scrapes++;
    let gpus: Map<string, GpuReading>;
    try {
      gpus = acc.result();
    } catch (err) {
      if (err instanceof DcgmParseError) return this.fail('parse', `unreadable dcgm-exporter output: ${err.message}`, false);
      throw err;
    }
    const found = selectGpu(gpus, sel);
    if (found.gpu === undefined) return this.fail('no_gpu', found.reason, true);
    this.up = true;
    this.lastError = undefined;
    this.backoff.reset();
    this.latest = { gpu: found.gpu, atMs: at, by: found.by };
    this.opts.onReading?.(found.gpu, at);
    return true;
  }

  /** The latest reading when it is recent enough to describe `nowMs`. */
  current(nowMs: number): GpuReading | undefined {
    const l = this.latest;
    return l !== undefined && nowMs - l.atMs <= 2 * this.opts.intervalMs + this.opts.timeoutMs ? l.gpu : undefined;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
    await this.inFlight;
  }
}
