/**
 * Container-runtime log wrappers, detected per line (interfaces.md section 1):
 *
 * - bare:        KTS_APP,v1,...
 * - CRI:         2026-11-22T10:00:00.123456789Z stdout F KTS_APP,v1,...   (P = partial)
 * - Docker json: {"log":"KTS_APP,v1,...\n","stream":"stdout","time":"..."}
 *
 * `Unwrapper.unwrap` locates the payload inside a physical line without copying it, except
 * for re-assembled partial lines and JSON strings that need unescaping (rare slow paths).
 */
import { hasKtsPrefix } from './payload.js';
import { MAX_LINE_BYTES } from './types.js';

const SPACE = 32;
const QUOTE = 34;
const BACKSLASH = 92;
const LOG_KEY = Buffer.from('{"log":"', 'latin1');

/** What `unwrap` found. */
export const Frame = {
  /** `payload`, `start`, `end` locate the payload. */
  complete: 0,
  /** A partial fragment was buffered; nothing to parse yet. */
  partial: 1,
  /** A wrapper that could not be decoded but carried a KTS_APP line. */
  badWrapper: 2,
  /** A wrapper without a usable payload (not a KTS line). */
  ignored: 3,
  /** A re-assembled KTS_APP line longer than the cap. */
  tooLong: 4,
} as const;
export type FrameCode = (typeof Frame)[keyof typeof Frame];

/** Fragments are capped so a runaway partial line cannot grow memory. */
const MAX_PENDING = 4 * MAX_LINE_BYTES;

export class Unwrapper {
  payload: Uint8Array = new Uint8Array(0);
  start = 0;
  end = 0;
  /** Partial fragments waiting for their final piece (CRI "P" lines, split Docker logs). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private pendingOverflow = false;

  unwrap(buf: Uint8Array, start: number, end: number): FrameCode {
    if (end > start && buf[end - 1] === 13) end--; // CRLF
    const first = buf[start];
    if (first === 123 /* { */) return this.docker(buf, start, end);
    if (first !== undefined && first >= 48 && first <= 57) {
      const r = this.cri(buf, start, end);
      if (r !== -1) return r as FrameCode;
    }
    return this.set(buf, start, end);
  }

  private set(buf: Uint8Array, start: number, end: number): FrameCode {
    this.payload = buf;
    this.start = start;
    this.end = end;
    return Frame.complete;
  }

  /** `<timestamp> <stream> <P|F> <content>`; returns -1 when the line is not CRI-shaped. */
  private cri(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    while (p < end && buf[p] !== SPACE) p++;
    // RFC3339 has a 'T' at index 10 and is at least 20 characters long.
    if (p - start < 20 || buf[start + 10] !== 84 /* T */) return -1;
    p++;
    const sStart = p;
    while (p < end && buf[p] !== SPACE) p++;
    if (p === sStart || p >= end) return -1;
    p++;
    const tag = buf[p];
    if ((tag !== 70 /* F */ && tag !== 80) /* P */ || (p + 1 < end && buf[p + 1] !== SPACE)) return -1;
    const content = Math.min(p + 2, end);
    if (tag === 80) return this.addPartial(buf, content, end);
    return this.finish(buf, content, end);
  }

  private docker(buf: Uint8Array, start: number, end: number): FrameCode {
    // Fast path: Docker's json-file driver writes "log" first; scan to the closing quote.
    let simple = end - start > LOG_KEY.length;
    for (let i = 0; simple && i < LOG_KEY.length; i++) if (buf[start + i] !== LOG_KEY[i]) simple = false;
    if (simple) {
      const s = start + LOG_KEY.length;
      let p = s;
      while (p < end) {
        const c = buf[p];
        if (c === QUOTE) break;
        if (c === BACKSLASH) {
          // Only a trailing "\n" is allowed on the fast path.
          if (buf[p + 1] === 110 /* n */ && buf[p + 2] === QUOTE) {
            return this.finish(buf, s, p);
          }
          simple = false;
          break;
        }
        p++;
      }
      if (simple && p < end) return this.addPartial(buf, s, p); // no "\n": split line
    }
    return this.dockerSlow(buf, start, end);
  }

  private dockerSlow(buf: Uint8Array, start: number, end: number): FrameCode {
    const text = Buffer.from(buf.buffer, buf.byteOffset + start, end - start).toString('utf8');
    let log: unknown;
    try {
      const parsed: unknown = JSON.parse(text);
      log = typeof parsed === 'object' && parsed !== null ? (parsed as { log?: unknown }).log : undefined;
    } catch {
      return text.includes('KTS_APP,') ? Frame.badWrapper : Frame.ignored;
    }
    if (typeof log !== 'string') return Frame.ignored;
    const complete = log.endsWith('\n');
    const bytes = Buffer.from(complete ? log.slice(0, -1) : log, 'utf8');
    if (!complete) return this.addPartial(bytes, 0, bytes.length);
    return this.finish(bytes, 0, bytes.length);
  }

  private addPartial(buf: Uint8Array, start: number, end: number): FrameCode {
    const len = end - start;
    if (this.pendingBytes + len > MAX_PENDING) {
      this.pendingOverflow = true;
    } else {
      this.pending.push(Buffer.from(buf.subarray(start, end)));
      this.pendingBytes += len;
    }
    return Frame.partial;
  }

  /** The last fragment of a line: joins buffered partials in front of it. */
  private finish(buf: Uint8Array, start: number, end: number): FrameCode {
    if (this.pending.length === 0 && !this.pendingOverflow) return this.set(buf, start, end);
    const overflow = this.pendingOverflow || this.pendingBytes + (end - start) > MAX_PENDING;
    const parts = this.pending;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingOverflow = false;
    if (overflow) {
      // Keep just enough to classify the line: its head says whether it was KTS_APP.
      const head = parts[0] ?? buf.subarray(start, end);
      return hasKtsPrefix(head, 0, head.length) ? Frame.tooLong : Frame.ignored;
    }
    parts.push(Buffer.from(buf.subarray(start, end)));
    const joined = Buffer.concat(parts);
    return this.set(joined, 0, joined.length);
  }
}
