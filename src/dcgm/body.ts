/**
 * Reads an HTTP body line by line as it arrives, within a byte budget: memory stays at one
 * chunk plus one line whatever the body's size. What is over the budget is not read (the
 * stream is cancelled through `cancel`); a line longer than `maxLine` is skipped and reported as such.
 */

export interface BodyOutcome {
  bytes: number;
  /** The body went on past `maxBytes` and was cut there. */
  cut: boolean;
  /** Lines skipped for exceeding `maxLine`. */
  longLines: number;
}

const NEWLINE = 10;

export async function readLines(
  body: AsyncIterable<Uint8Array>,
  maxBytes: number,
  maxLine: number,
  onLine: (line: string) => void,
  cancel: () => void = () => undefined,
): Promise<BodyOutcome> {
  const out: BodyOutcome = { bytes: 0, cut: false, longLines: 0 };
  let carry: Buffer[] = [];
  let carried = 0;
  let skipping = false;
  const emit = (parts: Buffer[]): void => onLine(Buffer.concat(parts).toString('utf8'));
  for await (const value of body) {
    let chunk = Buffer.from(value.buffer, value.byteOffset, value.byteLength);
    if (out.bytes + chunk.length > maxBytes) {
      out.cut = true;
      chunk = chunk.subarray(0, maxBytes - out.bytes);
    }
    out.bytes += chunk.length;
    let pos = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0; nl = chunk.indexOf(NEWLINE, pos)) {
      if (!skipping) {
        if (carried + nl - pos > maxLine) out.longLines++;
        else emit([...carry, chunk.subarray(pos, nl)]);
      }
      skipping = false;
      carry = [];
      carried = 0;
      pos = nl + 1;
    }
    if (pos < chunk.length && !skipping) {
      carried += chunk.length - pos;
      if (carried > maxLine) {
        out.longLines++;
        skipping = true;
        carry = [];
        carried = 0;
      } else {
        carry.push(Buffer.from(chunk.subarray(pos)));
      }
    }
    if (out.cut) {
      cancel();
      return out; // the unfinished last line is dropped with the rest
    }
  }
  if (carried > 0 && !skipping) emit(carry);
  return out;
}
