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
 */
import { stat } from 'node:fs';
import Tail from 'tail-file';

export interface BoundedTailOptions {
  startPos: 'start' | 'end';
  /** Longest line kept, in characters (latin1: bytes). */
  maxLine: number;
  /** Called once per over-long line with its first `maxLine` characters. */
  onOverlong: (head: string) => void;
}

const NEWLINE = '\n';
/** Bytes per read: fewer calls than tail-file's 4 KiB for a busy log. */
const READ_BYTES = 64 * 1024;

export class BoundedTail extends Tail {
  /** Characters of `txt` already searched for a newline. */
  private scanned = 0;
  /** Inside an over-long line: discard up to its newline. */
  private skipping = false;
  /** The old file was read again after the path was seen to name a new one. */
  private drained = false;
  private readonly maxLine: number;
  private readonly onOverlong: (head: string) => void;

  constructor(path: string, opts: BoundedTailOptions) {
    super(path, { startPos: opts.startPos, force: true, encoding: 'latin1', sep: NEWLINE, _bufsize: READ_BYTES });
    this.maxLine = opts.maxLine;
    this.onOverlong = opts.onOverlong;
  }

  /** Reads whatever is new now (a watchdog's nudge when directory events were missed). */
  poke(): void {
    if (typeof this.fd === 'number' && !this.reading) this.readStuff();
  }

  protected override getLine(): unknown {
    // Only the tailing mode is bent; tail-file's findStart keeps its own.
    if (this.onLine !== this.onLineForTail) return super.getLine();
    for (;;) {
      const nl = this.txt.indexOf(NEWLINE, this.scanned);
      if (nl < 0) {
        if (this.txt.length > this.maxLine) {
          if (!this.skipping) this.onOverlong(this.txt.slice(0, this.maxLine));
          this.skipping = true;
          this.posNext += this.txt.length;
          this.txt = '';
        }
        this.scanned = this.txt.length;
        this.readStuff();
        return undefined;
      }
      const line = this.txt.slice(0, nl);
      this.posLast = this.posNext;
      this.posNext += nl + 1;
      this.txt = this.txt.slice(nl + 1);
      this.scanned = 0;
      if (!this.skipping) return this.onLine(null, line, this.posLast);
      this.skipping = false; // the rest of an over-long line: dropped
    }
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
  }

  protected override onEndOfFileForTail(): unknown {
    if (this.drained || !this.started || this.stopping === true || typeof this.fd !== 'number') {
      this.drained = false;
      return super.onEndOfFileForTail();
    }
    this.reading = true;
    stat(this.filename, (err, st) => {
      this.reading = false;
      if (err === null && st.ino !== this.ino && st.size > 0 && this.stopping !== true) {
        // Rotated, and the writer is on the new file: the old one is complete now.
        this.drained = true;
        this.readStuff();
        return;
      }
      super.onEndOfFileForTail();
    });
    return undefined;
  }
}
