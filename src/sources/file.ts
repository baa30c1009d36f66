/**
 * `file:<path>`: follows a log file with tail-file. Rotation by rename-and-create,
 * copytruncate, and deletion followed by re-creation are followed by the library (each
 * counted as a restart by reason); other failures are retried with back-off.
 */
import Tail from 'tail-file';
import type { LineDecoder } from '../line/decoder.js';
import { Backoff } from './backoff.js';
import { countRestart, newStatus, type Source, type SourceStatus } from './source.js';

/** tail-file's restart events (lower-cased) and our own retry after an error. */
export const FILE_RESTART_REASONS = ['newprime', 'truncate', 'catchup', 'primefound', 'retry'] as const;

export interface FileSourceOptions {
  /** Read the existing content first (default: start at the end, like `tail -f`). */
  fromBeginning?: boolean;
  onError?: (message: string) => void;
  /** Report into this status instead of a new one (a source built on top of this one). */
  status?: SourceStatus;
}

export class FileSource implements Source {
  readonly status: SourceStatus;
  private tail: Tail | undefined;
  private stopped = false;
  private retry: NodeJS.Timeout | undefined;
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
    this.status.up = false;
    await this.tail?.stop().catch(() => undefined);
    this.decoder.end();
  }
}
