/**
 * Turns a byte stream (or single lines) into samples: splits on newlines, unwraps the
 * runtime's log format, parses KTS_APP payloads and counts every outcome.
 */
import { LineCounters } from './counters.js';
import { Frame, Unwrapper } from './framing.js';
import { hasKtsPrefix, PayloadParser } from './payload.js';
import { emptySample, MAX_LINE_BYTES, Outcome, Reason, type Sample } from './types.js';

export type SampleSink = (sample: Sample) => void;

const NEWLINE = 10;
/** A physical line longer than this (Docker/CRI wrappers included) is cut and classified by its head. */
export const MAX_PHYSICAL_LINE = 4 * MAX_LINE_BYTES;

export class LineDecoder {
  readonly counters = new LineCounters();
  private readonly unwrapper = new Unwrapper();
  private readonly parser = new PayloadParser();
  private readonly sample: Sample = emptySample();
  /** Bytes of an unfinished line carried over from the previous chunk. */
  private carry: Buffer | null = null;
  /** The current physical line exceeded the cap: skip to its newline. */
  private skipping = false;

  constructor(private readonly sink: SampleSink) {}

  /** Feeds a chunk of a newline-delimited stream. */
  push(chunk: Uint8Array): void {
    let buf = chunk;
    let pos = 0;
    if (this.carry !== null) {
      const nl = indexOfNewline(chunk, 0);
      if (nl < 0) {
        this.appendCarry(chunk);
        return;
      }
      const joined = Buffer.concat([this.carry, chunk.subarray(0, nl)]);
      this.carry = null;
      this.line(joined, 0, joined.length);
      pos = nl + 1;
    } else if (this.skipping) {
      const nl = indexOfNewline(chunk, 0);
      if (nl < 0) return;
      this.skipping = false;
      pos = nl + 1;
    }
    buf = chunk;
    const len = buf.length;
    while (pos < len) {
      const nl = indexOfNewline(buf, pos);
      if (nl < 0) {
        this.appendCarry(buf.subarray(pos));
        return;
      }
      this.line(buf, pos, nl);
      pos = nl + 1;
    }
  }

  /** Flushes a final line that had no newline. */
  end(): void {
    if (this.carry !== null) {
      const c = this.carry;
      this.carry = null;
      this.line(c, 0, c.length);
    }
    this.skipping = false;
  }

  /** Feeds one complete line (without its newline), as line-oriented sources deliver them. */
  pushLine(line: string | Uint8Array, encoding: BufferEncoding = 'utf8'): void {
    if (line.length > MAX_PHYSICAL_LINE + 1) {
      // Line-oriented sources may hand over anything: classify by the head, never copy the rest.
      const head = typeof line === 'string' ? Buffer.from(line.slice(0, MAX_PHYSICAL_LINE), encoding) : line.subarray(0, MAX_PHYSICAL_LINE);
      this.pushOversized(head);
      return;
    }
    const b = typeof line === 'string' ? Buffer.from(line, encoding) : line;
    let end = b.length;
    if (end > 0 && b[end - 1] === NEWLINE) end--;
    this.line(b, 0, end);
  }

  /** Counts one line that a source cut because it exceeded {@link MAX_PHYSICAL_LINE}: `head` is its start. */
  pushOversized(head: Uint8Array): void {
    this.classifyOversized(head);
  }

  private appendCarry(part: Uint8Array): void {
    const carried = this.carry === null ? 0 : this.carry.length;
    if (carried + part.length > MAX_PHYSICAL_LINE) {
      // Classify the runaway line by its head, then drop the rest up to its newline.
      const head = this.carry ?? Buffer.from(part);
      this.carry = null;
      this.skipping = true;
      this.classifyOversized(head);
      return;
    }
    this.carry = this.carry === null ? Buffer.from(part) : Buffer.concat([this.carry, part]);
  }

  private classifyOversized(head: Uint8Array): void {
    const u = this.unwrapper;
    const r = u.unwrap(head, 0, head.length);
    // A cut wrapper cannot be decoded (bad_wrapper): carrying a KTS line, it is too long.
    if (r === Frame.tooLong || r === Frame.badWrapper || (r === Frame.complete && hasKtsPrefix(u.payload, u.start, u.end))) {
      this.counters.countMalformed(Reason.tooLong);
    } else {
      this.counters.ignored++;
    }
  }

  private line(buf: Uint8Array, start: number, end: number): void {
    const u = this.unwrapper;
    const f = u.unwrap(buf, start, end);
    if (f !== Frame.complete) {
      if (f === Frame.ignored) this.counters.ignored++;
      else if (f === Frame.badWrapper) this.counters.countMalformed(Reason.badWrapper);
      else if (f === Frame.tooLong) this.counters.countMalformed(Reason.tooLong);
      return;
    }
    const r = this.parser.parse(u.payload, u.start, u.end, this.sample);
    if (r === Outcome.parsed) {
      this.counters.parsed++;
      this.sink(this.sample);
    } else if (r === Outcome.ignored) {
      this.counters.ignored++;
    } else {
      this.counters.countMalformed(this.parser.reason);
    }
  }
}

function indexOfNewline(buf: Uint8Array, from: number): number {
  return buf.indexOf(NEWLINE, from);
}
