import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../bench/generate.js';
import {
  ContentionDetector,
  DEFAULT_WINDOW,
  type ExceedanceLevel,
  exceedanceLlr,
  glrThreshold,
  LevelGlr,
  TESTS_PER_WORKLOAD,
} from '../../src/stats/detector.js';

/** Levels on uniform 0..999 samples: 5 %, 1 % and 0.1 % above. */
const LEVELS: ExceedanceLevel[] = [
  { thresholdNs: 949.5, p0: 0.05 },
  { thresholdNs: 989.5, p0: 0.01 },
  { thresholdNs: 998.5, p0: 0.001 },
];

describe('ContentionDetector (window-limited GLR on exceedances)', () => {
  it('threshold is ln(ARL0 x tests x window)', () => {
    assert.ok(Math.abs(glrThreshold(10_000, DEFAULT_WINDOW, TESTS_PER_WORKLOAD) - Math.log(10_000 * 9 * 1000)) < 1e-12);
  });

  it('the statistic is k KL(x/k || p0), one-sided', () => {
    assert.equal(exceedanceLlr(1, 100, 0.01), 0);
    assert.equal(exceedanceLlr(0, 100, 0.01), 0);
    const x = 10;
    const k = 100;
    const q = x / k;
    const want = x * Math.log(q / 0.01) + (k - x) * Math.log((1 - q) / 0.99);
    assert.ok(Math.abs(exceedanceLlr(x, k, 0.01) - want) < 1e-12);
    assert.equal(exceedanceLlr(5, 5, 0.5), 5 * Math.log(2));
  });

  it('a level keeps only the exceedances inside its window', () => {
    const t = new LevelGlr({ thresholdNs: 10, p0: 0.01 }, 50);
    t.observe(1, 20, false);
    assert.ok(t.statistic(1) > 0);
    for (let n = 2; n <= 51; n++) t.observe(n, 0, false);
    assert.equal(t.statistic(51), 0, 'the exceedance at 1 left the 50-sample window');
  });

  it('false alarms stay rarer than the ARL0 bound on in-control data', () => {
    const rand = prng(3);
    const arl0 = 200; // a small ARL0 makes false alarms frequent enough to count in a test
    const samples = 200_000;
    let alarms = 0;
    const d = new ContentionDetector(LEVELS, { arl0, tests: 3 });
    for (let i = 0; i < samples; i++) {
      if (d.observe(Math.floor(rand() * 1000))) {
        alarms++;
        d.rebase(LEVELS);
      }
    }
    assert.ok(alarms <= samples / arl0, `${alarms} alarms in ${samples} samples`);
  });

  it('detects a raised p99 exceedance rate within tens of samples and recovers once it is gone', () => {
    const rand = prng(5);
    const d = new ContentionDetector(LEVELS);
    for (let i = 0; i < 2000; i++) d.observe(Math.floor(rand() * 1000));
    assert.equal(d.active, false);
    let onset = -1;
    for (let i = 0; i < 1000 && onset < 0; i++) if (d.observe(rand() < 0.5 ? 995 : 500)) onset = i + 1;
    assert.ok(onset > 0 && onset <= 40, `onset after ${onset}`);
    let recovered = -1;
    for (let i = 0; i < 5000 && recovered < 0; i++) if (!d.observe(Math.floor(rand() * 1000))) recovered = i + 1;
    assert.ok(recovered > 0 && recovered <= DEFAULT_WINDOW, `recovered after ${recovered}`);
    assert.equal(d.onsets, 1);
    assert.ok(d.score < 1);
  });
});
