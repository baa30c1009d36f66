/**
 * Online contention detection on tail exceedances, per workload and clock (docs/detection.md).
 *
 * Each sample is compared with several quantiles of the stored solo baseline (p95, p99,
 * p99.9): while the baseline holds, a sample exceeds them 5 %, 1 % and 0.1 % of the time.
 * Each level is watched by a window-limited generalized likelihood ratio test (Lai 1995;
 * Willsky and Jones 1976): over every stretch of the last W samples that starts at an
 * exceedance, the log-likelihood ratio of "the rate is what this stretch shows" against "the
 * rate is p0" is k * KL(x/k || p0) (x exceedances in k samples). Nothing about the contended
 * rate is assumed: the alternative is estimated, so there is no tuned p1.
 *
 * False alarms: by the Chernoff bound each stretch exceeds h with probability at most e^-h
 * while the baseline holds, so a test with W stretches a sample alarms at most W e^-h of the
 * samples. With h = ln(ARL0 * tests * W) the `tests` tests of a workload together raise at
 * most one false alarm per ARL0 samples on average. `npm run bench` checks it by simulation.
 *
 * Recovery: while contention is on, every RECHECK samples the last RECOVERY_WINDOW samples are
 * checked: when at every level their exceedance count is one the baseline itself would give
 * (at most the count Binomial(RECOVERY_WINDOW, p0) exceeds with probability RECOVERY_ALPHA),
 * the rate is back and detection switches off; the tests start over.
 *
 * Cost: between exceedances the statistic of every stretch only falls (more samples, no more
 * exceedances), so it is recomputed at exceedances only, over the exceedances still inside the
 * window; while contention is on, every RECHECK samples as well, to decide recovery.
 */

export interface ExceedanceLevel {
  /** A sample above this (ns) exceeds the level. */
  thresholdNs: number;
  /** Rate of exceedances while the baseline holds. */
  p0: number;
}

/** The baseline quantiles watched, with their in-control exceedance rates. */
export const LEVELS = [
  { quantile: 'p95_ms', p0: 0.05 },
  { quantile: 'p99_ms', p0: 0.01 },
  { quantile: 'p999_ms', p0: 0.001 },
] as const;

export const DEFAULT_ARL0 = 10_000;
/** Longest stretch of samples a test looks back over. */
export const DEFAULT_WINDOW = 1000;
/** Tests per workload the false-alarm budget is split across: 3 clocks x 3 levels. */
export const TESTS_PER_WORKLOAD = 9;
/** While contention is on, recovery is re-evaluated every this many samples. */
export const RECHECK = 8;
/** Recovery looks at this many latest samples... */
export const RECOVERY_WINDOW = 100;
/** ...and calls the rate back when their count is below the baseline's (1 - this) quantile. */
export const RECOVERY_ALPHA = 1e-3;

/** Smallest c with P(Binomial(n, p) > c) <= alpha. */
export function binomialUpper(n: number, p: number, alpha: number): number {
  let pmf = (1 - p) ** n;
  let cdf = pmf;
  let c = 0;
  while (1 - cdf > alpha && c < n) {
    pmf = (pmf * (n - c) * p) / ((c + 1) * (1 - p));
    c++;
    cdf += pmf;
  }
  return c;
}

export interface DetectorOptions {
  arl0?: number;
  window?: number;
  tests?: number;
}

/** Threshold of one test so that `tests` of them keep a mean run length to false alarm >= arl0. */
export function glrThreshold(arl0: number, window: number, tests: number): number {
  return Math.log(arl0 * tests * window);
}

/** k * KL(x/k || p0) for an exceedance rate above p0, else 0 (one-sided). */
export function exceedanceLlr(x: number, k: number, p0: number): number {
  const q = x / k;
  if (q <= p0) return 0;
  const up = x * Math.log(q / p0);
  return q >= 1 ? up : up + (k - x) * Math.log((1 - q) / (1 - p0));
}

/** One level's test: the sample numbers of the exceedances inside the window, in a ring. */
export class LevelGlr {
  private readonly at: Float64Array;
  private head = 0;
  private size = 0;

  constructor(
    readonly level: ExceedanceLevel,
    private readonly window: number,
  ) {
    this.at = new Float64Array(window);
  }

  /**
   * Records sample `n` (1-based). When it exceeds the level and `evaluate` is set, returns the
   * statistic now; else -1.
   */
  observe(n: number, ns: number, evaluate: boolean): number {
    this.expire(n);
    if (!(ns > this.level.thresholdNs)) return -1;
    const cap = this.at.length;
    this.at[(this.head + this.size) % cap] = n;
    if (this.size < cap) this.size++;
    else this.head = (this.head + 1) % cap;
    return evaluate ? this.statistic(n) : -1;
  }

  /** The largest LLR over the stretches that start at an exceedance and end at sample n. */
  statistic(n: number): number {
    this.expire(n);
    const cap = this.at.length;
    const p0 = this.level.p0;
    let best = 0;
    for (let i = this.size - 1, x = 1; i >= 0; i--, x++) {
      const k = n - (this.at[(this.head + i) % cap] as number) + 1;
      const s = exceedanceLlr(x, k, p0);
      if (s > best) best = s;
    }
    return best;
  }

  /** Exceedances among the `last` samples up to sample n. */
  recent(n: number, last: number): number {
    const cap = this.at.length;
    let count = 0;
    for (let i = this.size - 1; i >= 0 && n - (this.at[(this.head + i) % cap] as number) < last; i--) count++;
    return count;
  }

  reset(): void {
    this.head = 0;
    this.size = 0;
  }

  private expire(n: number): void {
    const cap = this.at.length;
    while (this.size > 0 && n - (this.at[this.head] as number) + 1 > this.window) {
      this.head = (this.head + 1) % cap;
      this.size--;
    }
  }
}

export class ContentionDetector {
  /** True while contention is detected. */
  active = false;
  /** Number of times detection switched on. */
  onsets = 0;
  /** Samples observed since the detector (re)started. */
  observed = 0;
  /** Sample number (1-based, since start) of the latest onset; 0 if none. */
  lastOnsetSample = 0;
  readonly threshold: number;
  private tests: LevelGlr[];
  private recoveryCounts: number[];
  private readonly window: number;

  constructor(levels: readonly ExceedanceLevel[], opts: DetectorOptions = {}) {
    this.window = opts.window ?? DEFAULT_WINDOW;
    this.threshold = glrThreshold(opts.arl0 ?? DEFAULT_ARL0, this.window, opts.tests ?? TESTS_PER_WORKLOAD);
    this.tests = levels.map((l) => new LevelGlr(l, this.window));
    this.recoveryCounts = levels.map((l) => binomialUpper(RECOVERY_WINDOW, l.p0, RECOVERY_ALPHA));
  }

  /** New baseline: thresholds change and the tests start over. */
  rebase(levels: readonly ExceedanceLevel[]): void {
    this.tests = levels.map((l) => new LevelGlr(l, this.window));
    this.recoveryCounts = levels.map((l) => binomialUpper(RECOVERY_WINDOW, l.p0, RECOVERY_ALPHA));
    this.active = false;
  }

  /** Observes one sample (nanoseconds); returns the state after it. */
  observe(ns: number): boolean {
    const n = ++this.observed;
    if (!this.active) {
      let alarm = false;
      for (const t of this.tests) if (t.observe(n, ns, true) >= this.threshold) alarm = true;
      if (alarm) {
        this.active = true;
        this.onsets++;
        this.lastOnsetSample = n;
      }
      return this.active;
    }
    for (const t of this.tests) t.observe(n, ns, false);
    const settled = n - this.lastOnsetSample >= RECOVERY_WINDOW;
    if (settled && n % RECHECK === 0 && this.tests.every((t, i) => t.recent(n, RECOVERY_WINDOW) <= (this.recoveryCounts[i] as number))) {
      // The latest samples exceed no more often than the baseline allows: recovered. Start the
      // tests over, so that the contended stretch cannot switch detection straight back on.
      this.active = false;
      for (const t of this.tests) t.reset();
    }
    return this.active;
  }

  /** The largest statistic now relative to the threshold (1 = detection), for dashboards. */
  get score(): number {
    let best = 0;
    for (const t of this.tests) best = Math.max(best, t.statistic(this.observed));
    return best / this.threshold;
  }
}
