/**
 * Scrapes the node's dcgm-exporter every interval (timeout per scrape, back-off after
 * failures) and keeps the latest reading of this pod's GPU. Its failures are counted by
 * reason and never touch the latency statistics or the sidecar's readiness.
 */
import { Backoff } from '../sources/backoff.js';
import { DcgmParseError, type GpuReading, parseDcgm } from './parse.js';
import { type GpuSelector, selectGpu } from './select.js';

export const DCGM_ERROR_REASONS = ['timeout', 'connect', 'http_status', 'parse', 'no_gpu'] as const;
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

  /** One scrape; resolves true when the GPU was read. */
  async scrapeOnce(): Promise<boolean> {
    const t0 = process.hrtime.bigint();
    const at = Date.now();
    let text: string;
    try {
      const res = await fetch(this.opts.url, { signal: AbortSignal.timeout(this.opts.timeoutMs) });
      if (res.status !== 200) {
        await res.body?.cancel();
        return this.fail('http_status', `dcgm-exporter answered HTTP ${res.status}`, false);
      }
      text = await res.text();
    } catch (err) {
      const name = (err as Error).name;
      if (name === 'TimeoutError' || name === 'AbortError')
        return this.fail('timeout', `no answer within ${this.opts.timeoutMs} ms`, false);
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      return this.fail('connect', `${this.opts.url}: ${cause?.code ?? cause?.message ?? (err as Error).message}`, false);
    } finally {
      this.lastDurationSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
    }
    this.scrapes++;
    let gpus: ReturnType<typeof parseDcgm>;
    try {
      gpus = parseDcgm(text);
    } catch (err) {
      if (err instanceof DcgmParseError) return this.fail('parse', `unreadable dcgm-exporter output: ${err.message}`, false);
      throw err;
    }
    const sel = selectGpu(gpus, this.opts.selector);
    if (sel.gpu === undefined) return this.fail('no_gpu', sel.reason, true);
    this.up = true;
    this.lastError = undefined;
    this.backoff.reset();
    this.latest = { gpu: sel.gpu, atMs: at, by: sel.by };
    this.opts.onReading?.(sel.gpu, at);
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
