import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { prng } from '../../bench/generate.js';
import { BernoulliCusum, ContentionDetector, cusumThreshold, P99_LEVEL } from '../../src/stats/detector.js';

describe('ContentionDetector', () => {
  it('threshold is ln(2 ARL0)', () => {
    assert.ok(Math.abs(cusumThreshold(10_000) - Math.log(20_000)) < 1e-12);
  });

  it('CUSUM never goes below zero and signals at the threshold', () => {
    const c = new BernoulliCusum(P99_LEVEL, 3);
    for (let i = 0; i < 100; i++) c.observe(false);
    assert.equal(c.statistic, 0);
    assert.equal(c.observe(true), false);
    assert.equal(c.observe(true), false);
    assert.equal(c.observe(true), true);
  });

  it('false alarms stay rarer than the ARL0 bound on in-control data', () => {
    const rand = prng(3);
    const arl0 = 2000;
    let alarms = 0;
    const samples = 200_000;
    const d = new ContentionDetector(990, 999, arl0);
    for (let i = 0; i < samples; i++) {
      d.observe(Math.floor(rand() * 1000)); // uniform 0..999: 0.9 % above 990, 0 % above 999
      if (d.active) {
        alarms++;
        d.rebase(990, 999);
      }
    }
    assert.ok(alarms <= samples / arl0, `${alarms} alarms in ${samples} samples`);
  });

  it('detects a tenfold p99.9 exceedance rate and recovers once it is gone', () => {
    const rand = prng(5);
    const d = new ContentionDetector(990, 999, 10_000);
    let onset = -1;
    for (let i = 0; i < 5000 && onset < 0; i++) {
      d.observe(rand() < 0.012 ? 2000 : 500);
      if (d.active) onset = i;
    }
    assert.ok(onset > 0 && onset < 2000, `onset after ${onset}`);
    let recovered = -1;
    for (let i = 0; i < 5000 && recovered < 0; i++) {
      d.observe(rand() < 0.01 ? 995 : 500);
      if (!d.active) recovered = i;
    }
    assert.ok(recovered > 0, 'recovers');
    assert.equal(d.onsets, 1);
  });
});
