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
const COLON = 58;
/** Pending partial lines are kept per stream: Docker's (its stream is not read), stdout, stderr. */
const DOCKER = 0;
const STDOUT = 1;
const STDERR = 2;

/** Which stream a CRI line's second field names (anything else shares Docker's slot). */
function streamOf(buf: Uint8Array, start: number, end: number): number {
  const n = end - start;
  if (n === 6 && buf[start] === 115 /* s */ && buf[start + 3] === 111 /* o */) return STDOUT; // stdout
  if (n === 6 && buf[start] === 115 && buf[start + 3] === 101 /* e */) return STDERR; // stderr
  return DOCKER;
}

/** Fragments of one stream's line waiting for its final piece. */
class Pending {
  parts: Buffer[] = [];
  bytes = 0;
  overflow = false;
}
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
  /** Partial fragments waiting for their final piece (CRI "P" lines, split Docker logs), per stream. */
  private readonly pending = [new Pending(), new Pending(), new Pending()];

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

  /**
   * `<timestamp> <stream> <tags> <content>`; returns -1 when the line is not CRI-shaped. As the
   * kubelet reads it, `<tags>` is `:`-separated and its first tag alone says partial (`P`) or
   * full (`F`): `P:TAG1:TAG2` is a partial line. Partial lines are joined per stream, so a line
   * of the other stream in between does not break one.
   */
  private cri(buf: Uint8Array, start: number, end: number): number {
    let p = start;
    while (p < end && buf[p] !== SPACE) p++;
    // RFC3339 has a 'T' at index 10 and is at least 20 characters long.
    if (p - start < 20 || buf[start + 10] !== 84 /* T */) return -1;
    p++;
    const sStart = p;
    while (p < end && buf[p] !== SPACE) p++;
    if (p === sStart || p >= end) return -1;
    const stream = streamOf(buf, sStart, p);
    p++;
    const tag = buf[p];
    const after = buf[p + 1];
    if ((tag !== 70 /* F */ && tag !== 80) /* P */ || (p + 1 < end && after !== SPACE && after !== COLON)) return -1;
    while (p < end && buf[p] !== SPACE) p++;
    const content = Math.min(p + 1, end);
    if (tag === 80) return this.addPartial(stream, buf, content, end);
    return this.finish(stream, buf, content, end);
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
            return this.finish(DOCKER, buf, s, p);
          }
          simple = false;
          break;
        }
        p++;
      }
      if (simple && p < end) return this.addPartial(DOCKER, buf, s, p); // no "\n": split line
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
    if (!complete) return this.addPartial(DOCKER, bytes, 0, bytes.length);
    return this.finish(DOCKER, bytes, 0, bytes.length);
  }

  private addPartial(stream: number, buf: Uint8Array, start: number, end: number): FrameCode {
    const q = this.pending[stream] as Pending;
    const len = end - start;
    if (q.bytes + len > MAX_PENDING) {
      q.overflow = true;
      // Keep the head (it classifies the line), drop the rest.
      if (q.parts.length > 1) q.parts.length = 1;
    } else {
      q.parts.push(Buffer.from(buf.subarray(start, end)));
      q.bytes += len;
    }
    return Frame.partial;
  }

  /** The last fragment of a line: joins its stream's buffered partials in front of it. */
  private finish(stream: number, buf: Uint8Array, start: number, end: number): FrameCode {
    const q = this.pending[stream] as Pending;
    if (q.parts.length === 0 && !q.overflow) return this.set(buf, start, end);
    const overflow = q.overflow || q.bytes + (end - start) > MAX_PENDING;
    const parts = q.parts;
    this.pending[stream] = new Pending();
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
