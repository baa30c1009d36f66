/**
 * `file:<path>`: follows a log file with tail-file. Rotation by rename-and-create,
 * copytruncate, and deletion followed by re-creation are followed by the library (each
 * counted as a restart by reason); other failures are retried with back-off.
 */
import { stat } from 'node:fs/promises';
import { type LineDecoder, MAX_PHYSICAL_LINE } from '../line/decoder.js';
import { Backoff } from './backoff.js';
import { countRestart, newStatus, type Source, type SourceStatus } from './source.js';
import { BoundedTail } from './tail.js';

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
  private tail: BoundedTail | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
  private watchdog: NodeJS.Timeout | undefined;
  private staleChecks = 0;
  /** The inode the tail was reading at the last stale check. */
  private staleIno: number | null | undefined;
  /** Reset only once a line was read: opening alone (a directory opens) is no success. */
  private readonly backoff = new Backoff();
  private gotLine = false;

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
   * path names another file than the one read, the tail is nudged to read (it then finishes
   * the old file and switches); only when it stayed on the same old file for three checks in a
   * row is it re-opened from the path's start. (Under a rotation storm the path names a newer
   * file at most checks while the tail is progressing: that is no reason to abandon a file.)
   */
  private async checkRotation(): Promise<void> {
    if (this.stopped || typeof this.tail?.ino !== 'number') return;
    let current: number;
    try {
      current = (await stat(this.path)).ino;
    } catch {
      this.staleChecks = 0;
      return;
    }
    // Read again after the await: tail-file may have switched by itself meanwhile.
    const reading = this.tail?.ino;
    if (current === reading) {
      this.staleChecks = 0;
      return;
    }
    if (reading !== this.staleIno) {
      this.staleIno = reading;
      this.staleChecks = 0;
    }
    if (++this.staleChecks < 3 || this.stopped) {
      this.tail?.poke();
      return;
    }
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
    const tail = new BoundedTail(this.path, {
      startPos,
      maxLine: MAX_PHYSICAL_LINE,
      onOverlong: (head) => this.decoder.pushOversized(Buffer.from(head, 'latin1')),
    });
    this.tail = tail;
    this.gotLine = false;
    tail.on('line', (line: string) => {
      if (!this.gotLine) {
        this.gotLine = true;
        this.backoff.reset();
      }
      this.decoder.pushLine(line, 'latin1');
    });
    tail.on('ready', () => {
      this.status.up = true;
      this.status.lastError = undefined;
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
