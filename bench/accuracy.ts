/** Relative error of the engine's quantiles against exact nearest-rank quantiles. */

import { ExactQuantiles } from '../src/stats/exact.js';
import { LatencyHistogram, quantilesOf } from '../src/stats/histogram.js';
import { QUANTILES } from '../src/stats/summary.js';
import { prng } from './generate.js';

export interface AccuracyFigures {
  distributions: number;
  samples_each: number;
  max_relative_error: Record<string, number>;
}

export function quantileAccuracy(distributions = 50, samples = 20_000): AccuracyFigures {
  const rand = prng(7);
  const worst: number[] = QUANTILES.map(() => 0);
  for (let d = 0; d < distributions; d++) {
    const scale = 10 ** (3 + rand() * 6); // 1 us .. 1 s medians
    const values: number[] = [];
    for (let i = 0; i < samples; i++) {
      const u = rand();
      const v = scale * Math.exp(0.3 * Math.sqrt(-2 * Math.log(u + 1e-12)) * Math.cos(2 * Math.PI * rand()));
      values.push(Math.round(rand() < 0.01 ? v * (2 + 8 * rand()) : v));
    }
    const h = new LatencyHistogram();
    for (const v of values) h.record(v);
    const got: number[] = [];
    quantilesOf([h], QUANTILES, got);
    const exact = new ExactQuantiles(values);
    QUANTILES.forEach((q, i) => {
      const want = exact.quantile(q);
      const err = want === 0 ? 0 : Math.abs((got[i] as number) - want) / want;
      worst[i] = Math.max(worst[i] as number, err);
    });
  }
  const max_relative_error: Record<string, number> = {};
  QUANTILES.forEach((q, i) => {
    max_relative_error[`p${q * 100}`] = Number((worst[i] as number).toExponential(3));
  });
  return { distributions, samples_each: samples, max_relative_error };
}
