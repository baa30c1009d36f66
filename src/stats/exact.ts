/** Exact nearest-rank quantiles of raw values: the reference the HDR quantiles are held to. */
import { nearestRank } from './histogram.js';

/** Sorts a copy once; answers any number of quantiles. */
export class ExactQuantiles {
  private readonly sorted: Float64Array;

  constructor(values: ArrayLike<number>) {
    this.sorted = Float64Array.from(values).sort();
  }

  get count(): number {
    return this.sorted.length;
  }

  /** The nearest-rank quantile q in (0, 1]; NaN with no values. */
  quantile(q: number): number {
    const n = this.sorted.length;
    if (n === 0) return Number.NaN;
    return this.sorted[nearestRank(q, n) - 1] as number;
  }
}
