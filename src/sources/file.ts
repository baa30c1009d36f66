/**
 * `file:<path>`: follows a log file with tail-file. Rotation by rename-and-create,
 * copytruncate, and deletion followed by re-creation are followed by the library (each
 * counted as a restart by reason); other failures are retried with back-off.
 */
import { stat } from 'node:fs/promises';
import Tail from 'tail-file';
import type { LineDecoder } from '../line/decoder.js';
import { Backoff } from './backoff.js';
import { countRestart, newStatus, type Source, type SourceStatus } from './source.js';

/** tail-file's restart events (lower-cased) and our own retry after an error. */
export const FILE_RESTART_REASONS = ['newprime', 'truncate', 'catchup', 'primefound', 'retry', 'rotation-watchdog'] as const;

export interface FileSourceOptions {
  /** Read the existing content first (default: start at the end, like `tail -f`). */
  fromBeginning?: boolean;
  onError?: (message: string) => void;
  /** How often the path is checked for a rotation tail-file missed (default 1000 ms). */
  rotationCheckMs?: number;
  /** Report into this status instead of a new one (a source built on top of this one). */
  status?: SourceStatus;
}

export class FileSource implements Source {
  readonly status: SourceStatus;
  private tail: Tail | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private staleChecks = 0;
  private readonly backoff = new Backoff();

  constructor(
    private readonly path: string,
    readonly decoder: LineDecoder,
    private readonly opts: FileSourceOptions = {},
  ) {
    this.status = opts.status ?? newStatus(`file:${path}`, FILE_RESTART_REASONS);
  }

  async start(): Promise<void> {
    this.open(this.opts.fromBeginning === true ? 'start' : 'end');
    this.watchdog = setInterval(() => void this.checkRotation(), this.opts.rotationCheckMs ?? 1000);
    this.watchdog.unref();
  }

  /**
   * tail-file notices a rotation from directory events; when the new file was created and
   * written before its check (events coalesced), it can keep waiting on the old one. If the
   * path names another file than the one read for two checks in a row, re-open it from its start.
   */
  private async checkRotation(): Promise<void> {
    if (this.stopped || typeof (this.tail as unknown as { ino?: unknown } | undefined)?.ino !== 'number') return;
    let current: number;
    try {
      current = (await stat(this.path)).ino;
    } catch {
      this.staleChecks = 0;
      return;
    }
    // Read again after the await: tail-file may have switched by itself meanwhile.
    if (current === (this.tail as unknown as { ino?: unknown } | undefined)?.ino) {
      this.staleChecks = 0;
      return;
    }
    if (++this.staleChecks < 2 || this.stopped) return;
    this.staleChecks = 0;
    countRestart(this.status, 'rotation-watchdog');
    const old = this.tail;
    this.tail = undefined;
    await old?.stop().catch(() => undefined);
    this.open('start');
  }

  private open(startPos: 'start' | 'end'): void {
    if (this.stopped) return;
    // latin1 keeps every byte as one char, so the decoder sees the file's exact bytes.
    const tail = new Tail(this.path, { startPos, force: true, encoding: 'latin1', sep: '\n' });
    this.tail = tail;
    tail.on('line', (line: string) => {
      this.decoder.pushLine(line, 'latin1');
    });
    tail.on('ready', () => {
      this.status.up = true;
      this.status.lastError = undefined;
      this.backoff.reset();
    });
    tail.on('restart', (reason: string) => {
      countRestart(this.status, reason.toLowerCase());
    });
    const fail = (err: unknown): void => {
      const message = err instanceof Error ? err.message : String(err);
      if (message === 'interrupt' || this.stopped) return;
      this.status.up = false;
      this.status.lastError = message;
      this.opts.onError?.(message);
      void tail.stop().catch(() => undefined);
      const delay = this.backoff.next();
      this.retry = setTimeout(() => {
        countRestart(this.status, 'retry');
        // After a failure read the file from its start: it is new or was re-created.
        this.open('start');
      }, delay);
    };
    tail.on('error', fail);
    tail.on('tailError', fail);
    tail.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.retry !== undefined) clearTimeout(this.retry);
    if (this.watchdog !== undefined) clearInterval(this.watchdog);
    this.status.up = false;
    await this.tail?.stop().catch(() => undefined);
    this.decoder.end();
  }
}
