/** Per-stream line accounting: parsed, ignored, and malformed by reason. */
import { MALFORMED_REASONS, type MalformedReason } from './types.js';

export class LineCounters {
  parsed = 0;
  ignored = 0;
  readonly malformedByReason: number[] = MALFORMED_REASONS.map(() => 0);

  get malformed(): number {
    let n = 0;
    for (const v of this.malformedByReason) n += v;
    return n;
  }

  countMalformed(reasonIndex: number): void {
    this.malformedByReason[reasonIndex] = (this.malformedByReason[reasonIndex] ?? 0) + 1;
  }

  /** Malformed counts keyed by reason name, zeros included. */
  reasons(): Record<MalformedReason, number> {
    const out = {} as Record<MalformedReason, number>;
    MALFORMED_REASONS.forEach((r, i) => {
      out[r] = this.malformedByReason[i] ?? 0;
    });
    return out;
  }

  add(other: LineCounters): void {
    this.parsed += other.parsed;
    this.ignored += other.ignored;
    other.malformedByReason.forEach((v, i) => {
      this.malformedByReason[i] = (this.malformedByReason[i] ?? 0) + v;
    });
  }
}
