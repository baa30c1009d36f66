import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { parseBaselineDocument, selectProfile } from '../../src/stats/baseline.js';

const clock = { p50_ms: 0.4, p95_ms: 0.5, p99_ms: 0.5, p999_ms: 0.6, mean_ms: 0.42, count: 590 };
const profile = (name: string, workload: string) => ({
  profile: name,
  workload,
  captured_at: '2026-11-22T00:00:00Z',
  clocks: { device: clock, wall: clock },
});

describe('baseline documents', () => {
  it('accepts a document and a bare profile', () => {
    assert.ok(parseBaselineDocument({ version: 1, profiles: [profile('h100', 'FFT')] }).ok);
    assert.ok(parseBaselineDocument(profile('h100', 'FFT')).ok);
  });

  it('names the first problem', () => {
    const r = parseBaselineDocument({
      profiles: [{ ...profile('h100', 'FFT'), clocks: { device: { ...clock, p99_ms: -1 }, wall: clock } }],
    });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /profiles\.0\.clocks\.device\.p99_ms/);
    assert.equal(parseBaselineDocument([]).ok, false);
  });

  it('selects by profile, else by workload', () => {
    const r = parseBaselineDocument({ profiles: [profile('a', 'FFT'), profile('b', 'FFT'), profile('b', 'GEMM')] });
    assert.ok(r.ok);
    assert.equal(selectProfile(r.doc, 'FFT')?.profile, 'a');
    assert.equal(selectProfile(r.doc, 'GEMM', 'b')?.workload, 'GEMM');
    assert.equal(selectProfile(r.doc, 'FFT', 'b')?.profile, 'b');
    assert.equal(selectProfile(r.doc, 'X', 'zzz'), undefined);
  });

  it('rejects all-zero quantiles on the device or wall clock, naming the field', () => {
    const zero = { p50_ms: 0, p95_ms: 0, p99_ms: 0, p999_ms: 0, mean_ms: 0, count: 590 };
    const r = parseBaselineDocument({ profiles: [{ ...profile('h100', 'FFT'), clocks: { device: clock, wall: zero } }] });
    assert.equal(r.ok, false);
    assert.match(r.ok ? '' : r.error, /profiles\.0\.clocks\.wall\.p99_ms: p99_ms must be above 0/);
    // A queueing delay of zero at every quantile is real (nothing else on the GPU): accepted.
    assert.ok(parseBaselineDocument({ profiles: [{ ...profile('h100', 'FFT'), clocks: { device: clock, wall: clock, queue: zero } }] }).ok);
  });
});
