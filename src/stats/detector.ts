/**
 * Online contention detection on the tail-exceedance signal, per workload and clock.
 *
 * Each sample is compared with the stored solo baseline: does it exceed the baseline p99?
 * the baseline p99.9? When the baseline holds, those events happen 1 % and 0.1 % of the
 * time. Two one-sided Bernoulli CUSUM tests (Page 1954) watch for the rates rising to the
 * alternatives below; the log-likelihood-ratio form gives Lorden's bound on false alarms:
 * with threshold h = ln(2 * ARL0), the mean run length between false alarms of the pair is
 * at least ARL0 samples while the baseline holds (each test >= 2 * ARL0; union bound).
 *
 * Once on, the mirrored tests (alternative against baseline) decide recovery with the same
 * threshold, so the state does not flap on a single quiet stretch.
 */

export interface Level {
  /** Rate of exceedances while the baseline holds. */
  p0: number;
  /** Rate under contention that the test is tuned to detect. */
  p1: number;
}

/** Exceeding the baseline p99 (1 % in control; 4 % under contention). */
export const P99_LEVEL: Level = { p0: 0.01, p1: 0.04 };
/** Exceeding the baseline p99.9 (0.1 % in control; 1 % under contention). */
export const P999_LEVEL: Level = { p0: 0.001, p1: 0.01 };

export const DEFAULT_ARL0 = 10_000;

/** Threshold for a pair of tests with mean run length to false alarm >= arl0 samples. */
export function cusumThreshold(arl0: number): number {
  return Math.log(2 * arl0);
}

/** One-sided Bernoulli CUSUM: S = max(0, S + llr(x)); signals at S >= h. */
export class BernoulliCusum {
  statistic = 0;
  private readonly up: number;
  private readonly down: number;

  constructor(
    level: Level,
    private readonly h: number,
    reverse = false,
  ) {
    const a = Math.log(level.p1 / level.p0);
    const b = Math.log((1 - level.p1) / (1 - level.p0));
    this.up = reverse ? -a : a;
    this.down = reverse ? -b : b;
  }

  /** Adds one observation; true when the statistic reaches the threshold. */
  observe(exceeded: boolean): boolean {
    const s = this.statistic + (exceeded ? this.up : this.down);
    this.statistic = Math.max(s, 0);
    return this.statistic >= this.h;
  }

  reset(): void {
    this.statistic = 0;
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
  private readonly onsetTests: [BernoulliCusum, BernoulliCusum];
  private readonly recoveryTests: [BernoulliCusum, BernoulliCusum];

  constructor(
    private p99Ns: number,
    private p999Ns: number,
    readonly arl0 = DEFAULT_ARL0,
  ) {
    const h = cusumThreshold(arl0);
    this.onsetTests = [new BernoulliCusum(P99_LEVEL, h), new BernoulliCusum(P999_LEVEL, h)];
    this.recoveryTests = [new BernoulliCusum(P99_LEVEL, h, true), new BernoulliCusum(P999_LEVEL, h, true)];
  }

  /** New baseline: thresholds change and the tests start over. */
  rebase(p99Ns: number, p999Ns: number): void {
    this.p99Ns = p99Ns;
    this.p999Ns = p999Ns;
    this.active = false;
    for (const t of [...this.onsetTests, ...this.recoveryTests]) t.reset();
  }

  /** Observes one sample (nanoseconds); returns the state after it. */
  observe(ns: number): boolean {
    this.observed++;
    const over99 = ns > this.p99Ns;
    const over999 = ns > this.p999Ns;
    if (!this.active) {
      const a = (this.onsetTests[0] as BernoulliCusum).observe(over99);
      const b = (this.onsetTests[1] as BernoulliCusum).observe(over999);
      if (a || b) {
        this.active = true;
        this.onsets++;
        this.lastOnsetSample = this.observed;
        for (const t of this.recoveryTests) t.reset();
      }
    } else {
      const a = (this.recoveryTests[0] as BernoulliCusum).observe(over99);
      const b = (this.recoveryTests[1] as BernoulliCusum).observe(over999);
      // Recovered only when neither level still looks contended.
      if (a && b) {
        this.active = false;
        for (const t of this.onsetTests) t.reset();
      }
    }
    return this.active;
  }

  /** The larger onset statistic relative to the threshold (0..1+), for dashboards. */
  get onsetStatistic(): number {
    return Math.max((this.onsetTests[0] as BernoulliCusum).statistic, (this.onsetTests[1] as BernoulliCusum).statistic);
  }

  get threshold(): number {
    return cusumThreshold(this.arl0);
  }
}
