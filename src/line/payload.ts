/**
 * Parser of one KTS_APP v1 payload held in a byte buffer (interfaces.md section 1):
 *
 *   KTS_APP,v1,<workload>,<iteration>,<epoch_ns_start>,<epoch_ns_end>,<device_ms>[,<phase>]
 *
 * No regular expressions and no allocation on the hot path: digits are accumulated by hand,
 * names are interned, the result is written into a caller-owned {@link Sample}.
 */
import { NameCache } from './names.js';
import { MAX_DURATION_MS, MAX_LINE_BYTES, MAX_WORKLOAD_LENGTH, Outcome, type OutcomeCode, Reason, type Sample } from './types.js';

const COMMA = 44;
const DOT = 46;
const MINUS = 45;
const D0 = 48;
const D9 = 57;
const PREFIX = Buffer.from('KTS_APP,', 'latin1');
const PREFIX_LEN = PREFIX.length;

/** Largest number of digits whose integer value is exact in a double. */
const SAFE_DIGITS = 15;
/** u64 nanoseconds have at most 20 digits. */
const MAX_EPOCH_DIGITS = 20;
/** 2^64 - 1: the largest epoch in nanoseconds accepted. */
const MAX_EPOCH = Buffer.from('18446744073709551615', 'latin1');
const MAX_DURATION_SEC = MAX_DURATION_MS / 1000;

function isWorkloadByte(c: number): boolean {
  return (c >= D0 && c <= D9) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 /* _ */ || c === DOT || c === MINUS;
}

/** True when `buf[start, end)` begins with `KTS_APP,`. */
export function hasKtsPrefix(buf: Uint8Array, start: number, end: number): boolean {
  if (end - start < PREFIX_LEN) return false;
  for (let i = 0; i < PREFIX_LEN; i++) if (buf[start + i] !== PREFIX[i]) return false;
  return true;
}

/** True when the 20 digits at `buf[s]` exceed 2^64 - 1 (leading zeros allowed and counted). */
function aboveU64(buf: Uint8Array, s: number): boolean {
  for (let i = 0; i < MAX_EPOCH.length; i++) {
    const c = buf[s + i] as number;
    const m = MAX_EPOCH[i] as number;
    if (c !== m) return c > m;
  }
  return false;
}

export class PayloadParser {
  /** Set to a {@link Reason} index whenever `parse` returns `Outcome.malformed`. */
  reason = 0;
  private readonly workloads = new NameCache();
  private readonly phases = new NameCache();
  // Scratch results of the number readers (avoid returning tuples).
  private hi = 0;
  private lo = 0;
  private pos = 0;

  parse(buf: Uint8Array, start: number, end: number, out: Sample): OutcomeCode {
    if (!hasKtsPrefix(buf, start, end)) return Outcome.ignored;
    if (end - start > MAX_LINE_BYTES) return this.fail(Reason.tooLong);
    let p = start + PREFIX_LEN;

    // version
    const vStart = p;
    while (p < end && buf[p] !== COMMA) p++;
    if (p - vStart !== 2 || buf[vStart] !== 118 /* v */ || buf[vStart + 1] !== 49 /* 1 */) {
      return this.fail(Reason.unsupportedVersion);
    }
    if (p >= end) return this.fail(Reason.fieldCount);
    p++;

    // workload
    const wStart = p;
    let badName = false;
    while (p < end) {
      const c = buf[p] as number;
      if (c === COMMA) break;
      if (!isWorkloadByte(c)) badName = true;
      p++;
    }
    if (p >= end) return this.fail(Reason.fieldCount);
    const wLen = p - wStart;
    if (badName || wLen === 0 || wLen > MAX_WORKLOAD_LENGTH) return this.fail(Reason.badWorkload);
    const wEnd = p;
    p++;

    // iteration
    let r = this.readInteger(buf, p, end, SAFE_DIGITS);
    if (r >= 0) return this.fail(r);
    const iteration = this.lo;
    p = this.pos;

    // start and end timestamps, exact as (seconds, nanoseconds)
    r = this.readEpoch(buf, p, end);
    if (r >= 0) return this.fail(r);
    const startSec = this.hi;
    const startNsec = this.lo;
    p = this.pos;
    r = this.readEpoch(buf, p, end);
    if (r >= 0) return this.fail(r);
    const endSec = this.hi;
    const endNsec = this.lo;
    p = this.pos;

    // device_ms: the last mandatory field, may end the line
    r = this.readDecimal(buf, p, end);
    if (r >= 0) return this.fail(r);
    const deviceMs = this.lo;
    p = this.pos;

    // optional phase: everything after the comma, without further commas
    let phase = '';
    if (p < end) {
      p++; // the comma readDecimal stopped on
      const phStart = p;
      while (p < end && buf[p] !== COMMA) p++;
      if (p < end) return this.fail(Reason.fieldCount);
      if (p > phStart) phase = this.phases.get(buf, phStart, p);
    }

    if (endSec < startSec || (endSec === startSec && endNsec < startNsec)) {
      return this.fail(Reason.endBeforeStart);
    }
    const wallSec = endSec - startSec + (endNsec - startNsec) / 1e9;
    if (!(deviceMs <= MAX_DURATION_MS) || wallSec > MAX_DURATION_SEC) return this.fail(Reason.outOfRange);

    out.workload = this.workloads.get(buf, wStart, wEnd);
    out.iteration = iteration;
    out.startSec = startSec;
    out.startNsec = startNsec;
    out.endSec = endSec;
    out.endNsec = endNsec;
    out.deviceMs = deviceMs;
    out.phase = phase;
    return Outcome.parsed;
  }

  private fail(reason: number): OutcomeCode {
    this.reason = reason;
    return Outcome.malformed;
  }

  /**
   * Reads a non-negative integer field ending in a comma (required). Result in `lo`,
   * position after the comma in `pos`. Returns -1 or a reason index.
   */
  private readInteger(buf: Uint8Array, p: number, end: number, maxDigits: number): number {
    if (p < end && buf[p] === MINUS) return this.negativeOrBad(buf, p + 1, end);
    let v = 0;
    const s = p;
    while (p < end) {
      const c = buf[p] as number;
      if (c === COMMA) break;
      if (c < D0 || c > D9) return Reason.badNumber;
      v = v * 10 + (c - D0);
      p++;
    }
    if (p >= end) return Reason.fieldCount;
    if (p === s || p - s > maxDigits) return Reason.badNumber;
    this.lo = v;
    this.pos = p + 1;
    return -1;
  }

  /** Reads epoch nanoseconds as seconds (`hi`) and nanoseconds (`lo`); comma required. */
  private readEpoch(buf: Uint8Array, p: number, end: number): number {
    if (p < end && buf[p] === MINUS) return this.negativeOrBad(buf, p + 1, end);
    const s = p;
    while (p < end && buf[p] !== COMMA) {
      const c = buf[p] as number;
      if (c < D0 || c > D9) return Reason.badNumber;
      p++;
    }
    if (p >= end) return Reason.fieldCount;
    const n = p - s;
    if (n === 0) return Reason.badNumber;
    if (n > MAX_EPOCH_DIGITS || (n === MAX_EPOCH_DIGITS && aboveU64(buf, s))) return Reason.outOfRange;
    const split = s + (n > 9 ? n - 9 : 0);
    let hi = 0;
    let lo = 0;
    for (let i = s; i < split; i++) hi = hi * 10 + ((buf[i] as number) - D0);
    for (let i = split; i < p; i++) lo = lo * 10 + ((buf[i] as number) - D0);
    this.hi = hi;
    this.lo = lo;
    this.pos = p + 1;
    return -1;
  }

  /**
   * Reads `digits[.digits]` up to a comma or the end of the payload. The value (in `lo`)
   * equals `Number(text)` exactly. `pos` is left on the comma or at the end.
   */
  private readDecimal(buf: Uint8Array, p: number, end: number): number {
    if (p < end && buf[p] === MINUS) return this.negativeOrBad(buf, p + 1, end);
    const s = p;
    let mantissa = 0;
    let digits = 0;
    let fraction = -1;
    while (p < end) {
      const c = buf[p] as number;
      if (c === COMMA) break;
      if (c === DOT) {
        if (fraction >= 0) return Reason.badNumber;
        fraction = 0;
      } else if (c >= D0 && c <= D9) {
        mantissa = mantissa * 10 + (c - D0);
        digits++;
        if (fraction >= 0) fraction++;
      } else {
        return Reason.badNumber;
      }
      p++;
    }
    if (digits === 0 || fraction === 0) return Reason.badNumber;
    if (digits <= SAFE_DIGITS) {
      // Both operands are exact, so one division is correctly rounded, as Number() is.
      this.lo = fraction > 0 ? mantissa / 10 ** fraction : mantissa;
    } else {
      this.lo = Number(Buffer.from(buf.buffer, buf.byteOffset + s, p - s).toString('latin1'));
    }
    this.pos = p;
    return -1;
  }

  /** After a leading '-': a well-formed number is a negative value, anything else a bad number. */
  private negativeOrBad(buf: Uint8Array, p: number, end: number): number {
    const s = p;
    let dot = false;
    while (p < end && buf[p] !== COMMA) {
      const c = buf[p] as number;
      if (c === DOT && !dot) dot = true;
      else if (c < D0 || c > D9) return Reason.badNumber;
      p++;
    }
    return p > s ? Reason.negativeValue : Reason.badNumber;
  }
}
