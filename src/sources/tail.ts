/**
 * tail-file, bent in two places (its behaviour otherwise unchanged):
 *
 * 1. Line splitting. tail-file appends each 4 KiB read to a string and searches it from its
 *    start with a RegExp, so a line without a newline costs the square of its length (a 50 MB
 *    line exhausts the heap). Here the search resumes where the previous one stopped, and a
 *    line longer than `maxLine` is dropped as it arrives: its head is handed to `onOverlong`
 *    once and the rest is skipped up to its newline, at constant memory.
 * 2. Rename rotation. tail-file switches to the new file as soon as a stat shows another
 *    inode, but lines written to the old file after its last read (before the writer moved
 *    on) were never read. Here, once the path names a new non-empty file, the old one is read
 *    to its end once more before switching: every line exactly once.
 * 3. Cost per write (issue 17). For every directory event tail-file reads, emits each line
 *    from its own `setImmediate`, reads again to learn that the file ended, then stats the
 *    path: four thread-pool round trips and one event-loop turn per line, most of the
 *    sidecar's CPU at the 10-200 lines/s GPU workloads print. Here the lines of a read are
 *    emitted in one go (a read is at most 64 KiB, so the loop stays short), a read shorter
 *    than asked is taken as the end of the file (no second read), and a plain append (the
 *    read brought data, no file was created, renamed or deleted) does not stat the path at
 *    its end more than once per `statEveryMs`. Any other end of file stats it as before,
 *    and a skipped stat is made up `statEveryMs` later.
 */
import { readSync, stat, watch } from 'node:fs';
import { dirname } from 'node:path';
import Tail from 'tail-file';

export interface BoundedTailOptions {
  startPos: 'start' | 'end';
  /** Longest line kept, in characters (latin1: bytes). */
  maxLine: number;
  /** Called once per over-long line with its first `maxLine` characters. */
  onOverlong: (head: string) => void;
  /** Least time between two looks at the path for a truncation or rotation (default 1000 ms). */
  statEveryMs?: number;
  /** Least time between two reads that directory events ask for while no file is renamed (default 250 ms). */
  readGapMs?: number;
  /** How long no file of the directory may have been renamed before a busy file is polled (default 10 s). */
  pollQuietMs?: number;
}

const NEWLINE = '\n';
/** Bytes per read: fewer calls than tail-file's 4 KiB for a busy log. */
const READ_BYTES = 64 * 1024;
/** Lines emitted per turn of the event loop. */
const LINES_PER_TURN = 256;
/** A directory is quiet when nothing in it was created, renamed or deleted for this long. */
const QUIET_MS = 1000;
/** Writes a second above which a quiet file is polled rather than watched. */
const POLL_ABOVE = 8;
/** The window events are counted in to tell a busy file. */
const BUSY_WINDOW_MS = 2000;
/** Polls that find nothing before the directory is watched again (2 s at 250 ms). */
const IDLE_POLLS = 8;

export class BoundedTail extends Tail {
  /** Characters of `txt` already searched for a newline. */
  private scanned = 0;
  /** Inside an over-long line: discard up to its newline. */
  private skipping = false;
  /** The old file was read again after the path was seen to name a new one. */
  private drained = false;
  /** Bytes the last read returned; Infinity when a read must come before the end is assumed. */
  private lastRead = Number.POSITIVE_INFINITY;
  private lastStatMs = 0;
  /** The next end of file stats the path whatever the time since the last stat. */
  private statDue = false;
  private statTimer: NodeJS.Timeout | undefined;
  /** The next read is the first after a directory event. */
  private readNowOnce = false;
  private lastEventReadMs = 0;
  /** The last rename event, or the tail's start: a directory not yet seen long is not quiet. */
  private lastRenameMs = Date.now();
  private readonly pollQuietMs: number;
  private gapTimer: NodeJS.Timeout | undefined;
  /** Directory events since `eventsSinceMs` (a second at most). */
  private events = 0;
  private eventsSinceMs = 0;
  private pollTimer: NodeJS.Timeout | undefined;
  /** Polls in a row that found nothing new. */
  private idlePolls = 0;
  private readonly readGapMs: number;
  private readonly statEveryMs: number;
  private readonly maxLine: number;
  private readonly onOverlong: (head: string) => void;

  constructor(path: string, opts: BoundedTailOptions) {
    super(path, { startPos: opts.startPos, force: true, encoding: 'latin1', sep: NEWLINE, _bufsize: READ_BYTES });
    this.maxLine = opts.maxLine;
    this.onOverlong = opts.onOverlong;
    this.statEveryMs = opts.statEveryMs ?? 1000;
    this.readGapMs = opts.readGapMs ?? 250;
    this.pollQuietMs = opts.pollQuietMs ?? 10_000;
  }

  /** Reads whatever is new now and looks at the path (a watchdog's nudge when directory events were missed). */
  poke(): void {
    this.statDue = true;
    if (typeof this.fd === 'number' && !this.reading) this.readStuff();
  }

  override async stop(): Promise<void> {
    if (this.statTimer !== undefined) clearTimeout(this.statTimer);
    if (this.gapTimer !== undefined) clearTimeout(this.gapTimer);
    this.stopPolling();
    this.statTimer = undefined;
    this.gapTimer = undefined;
    await super.stop();
  }

  protected override append(err: unknown, bytesRead: number, buf: Buffer): unknown {
    this.lastRead = bytesRead;
    // Nothing new although something happened (a truncation, another file of the directory).
    if (bytesRead === 0) this.statDue = true;
    this.idlePolls = bytesRead === 0 ? this.idlePolls + 1 : 0;
    return super.append(err, bytesRead, buf);
  }

  /**
   * A write's directory event. While the directory is quiet (nothing created, renamed or
   * deleted for a second) reads are at least `readGapMs` apart, as mtail polls every 250 ms.
   * A file written more than {@link POLL_ABOVE} times a second for two seconds, in a directory
   * where nothing was renamed for `pollQuietMs` (and not since the tail began), is then polled
   * instead: the directory watch is closed, as one wake-up per write is most of the cost of a
   * line-per-write workload. Around a rotation every event is read at once, as tail-file does.
   */
  protected override checkDir(type: string, name: string | null): unknown {
    const now = Date.now();
    if (type === 'rename') {
      // A file of the directory was created, renamed or deleted: maybe ours.
      this.statDue = true;
      this.lastRenameMs = now;
    } else if (typeof this.fd === 'number' && now - this.lastRenameMs >= QUIET_MS && this.readGapMs > 0) {
      if (now - this.eventsSinceMs >= BUSY_WINDOW_MS) {
        this.eventsSinceMs = now;
        this.events = 0;
      }
      if (++this.events > (POLL_ABOVE * BUSY_WINDOW_MS) / 1000 && now - this.lastRenameMs >= this.pollQuietMs) {
        this.startPolling();
        return undefined;
      }
      const wait = this.lastEventReadMs + this.readGapMs - now;
      if (wait > 0) {
        this.gapTimer ??= setTimeout(() => {
          this.gapTimer = undefined;
          this.checkDir('change', name);
        }, wait).unref();
        return undefined;
      }
    }
    this.lastEventReadMs = now;
    this.readNowOnce = true;
    return super.checkDir(type, name);
  }

  /**
   * Polling: the directory watch closed, the file read and its path stat'ed every `readGapMs`.
   * A rotation the stat sees restarts tail-file, which watches the directory again (so a
   * storm of rotations is followed event by event); so does a file left unwritten for
   * {@link IDLE_POLLS} polls. Only a file created and rotated away within one poll, after
   * `pollQuietMs` without a rotation, would be missed (mtail polls always).
   */
  private startPolling(): void {
    const w = this.watcher;
    if (w === null || w === undefined || this.pollTimer !== undefined) return;
    this.watcher = null;
    w.close();
    this.idlePolls = 0;
    this.pollTimer = setInterval(() => {
      if (this.watcher !== null && this.watcher !== undefined) {
        this.stopPolling(); // tail-file restarted on a rotation and watches again
        return;
      }
      if (this.idlePolls >= IDLE_POLLS || !this.started) {
        this.stopPolling();
        if (this.started) this.watchAgain();
        return;
      }
      this.readNowOnce = true;
      this.poke();
    }, this.readGapMs).unref();
  }

  private stopPolling(): void {
    if (this.pollTimer !== undefined) clearInterval(this.pollTimer);
    this.pollTimer = undefined;
  }

  /** What tail-file's startTail does when it has no watch. */
  private watchAgain(): void {
    const w = watch(dirname(this.filename));
    w.on('change', this.checkDir.bind(this));
    w.on('error', this.checkDirError.bind(this));
    this.watcher = w;
    this.events = 0;
    this.poke(); // what was written while the watch was being set up
  }

  /**
   * The first read after a directory event is made on this thread: an append of a few lines
   * read from the page cache takes microseconds, while a thread-pool read costs two thread
   * wake-ups (the log is a local file: an emptyDir or the node's container log). Any read
   * after it (a backlog, 64 KiB at a time) goes through the thread pool as tail-file does, so
   * a long catch-up never holds the event loop.
   */
  protected override readStuff(): void {
    const now = this.readNowOnce;
    this.readNowOnce = false;
    if (!now || !this.started || typeof this.fd !== 'number' || typeof this.pos !== 'number' || this.reading || this.unzip !== null) {
      super.readStuff();
      return;
    }
    this.reading = true;
    this.readable = false;
    this.buf ??= Buffer.alloc(READ_BYTES);
    let n = 0;
    try {
      n = readSync(this.fd, this.buf, 0, READ_BYTES, this.pos);
    } catch (err) {
      this.append(err, 0, this.buf);
      return;
    }
    this.append(null, n, this.buf);
  }

  protected override getLine(): unknown {
    // Only the tailing mode is bent; tail-file's findStart keeps its own.
    if (this.onLine !== this.onLineForTail) return super.getLine();
    const txt = this.txt;
    let from = 0;
    let emitted = 0;
    for (;;) {
      const nl = txt.indexOf(NEWLINE, from + this.scanned);
      if (nl < 0) break;
      const line = txt.slice(from, nl);
      this.posLast = this.posNext;
      this.posNext += nl + 1 - from;
      from = nl + 1;
      this.scanned = 0;
      if (this.skipping) {
        this.skipping = false; // the rest of an over-long line: dropped
        continue;
      }
      if (this.posLast >= this.posSkip) this.emit('line', line);
      // A listener may have stopped the tail: its state is reset, leave it so.
      if (this.started === null || this.stopping) return undefined;
      if (++emitted === LINES_PER_TURN) {
        // Let the event loop (scrapes, V8's GC tasks) turn between batches of a long read.
        this.txt = txt.slice(from);
        this.scanned = 0;
        setImmediate(() => this.getLine());
        return undefined;
      }
    }
    this.txt = from === 0 ? txt : txt.slice(from);
    if (this.txt.length > this.maxLine) {
      if (!this.skipping) this.onOverlong(this.txt.slice(0, this.maxLine));
      this.skipping = true;
      this.posNext += this.txt.length;
      this.txt = '';
    }
    this.scanned = this.txt.length;
    const shortRead = this.lastRead < READ_BYTES;
    this.lastRead = Number.POSITIVE_INFINITY;
    // A regular file read short is at its end: go there without reading nothing once more
    // (not for gzip, whose reads are not what is decoded, nor when an event came meanwhile).
    if (shortRead && !this.readable && this.unzip === null) return this.decode(null);
    this.readStuff();
    return undefined;
  }

  protected override setBytePos(pos: number | 'start'): void {
    super.setBytePos(pos);
    this.resetLine();
  }

  protected override setCharPos(pos: number | 'start'): void {
    super.setCharPos(pos);
    this.resetLine();
  }

  private resetLine(): void {
    this.scanned = 0;
    this.skipping = false;
    this.drained = false;
    this.lastRead = Number.POSITIVE_INFINITY;
  }

  protected override onEndOfFileForTail(): unknown {
    if (this.drained || !this.started || this.stopping || typeof this.fd !== 'number' || this.backlog.length > 0) {
      this.drained = false;
      return super.onEndOfFileForTail();
    }
    const sinceStat = Date.now() - this.lastStatMs;
    if (!this.statDue && sinceStat < this.statEveryMs) {
      // tail-file's end of file without its stat; the stat comes at the latest statEveryMs on.
      this.statLater(this.statEveryMs - sinceStat);
      if (this.readable) return this.readStuff();
      this.emit('eof', this.pos);
      return undefined;
    }
    this.statDue = false;
    this.lastStatMs = Date.now();
    this.reading = true;
    stat(this.filename, (err, st) => {
      this.reading = false;
      if (err === null && st.ino !== this.ino && st.size > 0 && !this.stopping) {
        // Rotated, and the writer is on the new file: the old one is complete now.
        this.drained = true;
        this.readStuff();
        return;
      }
      super.onEndOfFileForTail();
    });
    return undefined;
  }

  private statLater(ms: number): void {
    if (this.statTimer !== undefined) return;
    this.statTimer = setTimeout(() => {
      this.statTimer = undefined;
      this.poke();
    }, ms);
    this.statTimer.unref();
  }
}
