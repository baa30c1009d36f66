import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { HistogramDelta } from '../../src/sources/prom-delta.js';
import { readHistogram } from '../../src/sources/prom-text.js';

// Shape of a prometheus_client 0.26 exposition of vLLM's histogram (test/fixtures/prom/workload.py).
const body = (
  a: number,
  b: number,
  inf: number,
  model = 'llama',
  extra = '',
) => `# HELP vllm:inter_token_latency_seconds Histogram of inter-token latency in seconds.
# TYPE vllm:inter_token_latency_seconds histogram
vllm:inter_token_latency_seconds_bucket{engine="0",le="0.01",model_name="${model}"} ${a}
vllm:inter_token_latency_seconds_bucket{engine="0",le="0.025",model_name="${model}"} ${b}
vllm:inter_token_latency_seconds_bucket{engine="0",le="+Inf",model_name="${model}"} ${inf}
vllm:inter_token_latency_seconds_count{engine="0",model_name="${model}"} ${inf}
vllm:inter_token_latency_seconds_sum{engine="0",model_name="${model}"} NaN
vllm:inter_token_latency_seconds_created{engine="0",model_name="${model}"} 1.7e9
${extra}`;
const NAMES = ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'];

describe('readHistogram', () => {
  it('sums the matching series, ignores a NaN _sum and other models', () => {
    const text = body(1, 3, 4) + body(10, 10, 10, 'other');
    const r = readHistogram(text, NAMES, new Map([['model_name', 'llama']]));
    assert.ok(r.ok);
    assert.deepEqual(r.reading.bounds, [0.01, 0.025]);
    assert.deepEqual(r.reading.cumulative, [1, 3, 4]);
    const all = readHistogram(text, NAMES, new Map());
    assert.ok(all.ok);
    assert.deepEqual(all.reading.cumulative, [11, 13, 14]);
  });
  it('falls back to the older name and names what is wrong', () => {
    const old = body(1, 2, 2).replaceAll('inter_token_latency', 'time_per_output_token');
    const r = readHistogram(old, NAMES, new Map());
    assert.ok(r.ok && r.reading.name === 'vllm:time_per_output_token_seconds');
    const miss = readHistogram('up 1\n', NAMES, new Map());
    assert.ok(!miss.ok && miss.problem === 'missing_histogram');
    const nan = readHistogram(body(Number.NaN, 2, 2), NAMES, new Map());
    assert.ok(!nan.ok && nan.problem === 'not_finite');
    const noInf = readHistogram(
      body(1, 2, 2)
        .split('\n')
        .filter((l) => !l.includes('+Inf'))
        .join('\n'),
      NAMES,
      new Map(),
    );
    assert.ok(!noInf.ok && noInf.problem === 'missing_bucket');
  });
});

describe('HistogramDelta', () => {
  const read = (a: number, b: number, inf: number) => {
    const r = readHistogram(body(a, b, inf), NAMES, new Map());
    assert.ok(r.ok);
    return r.reading;
  };
  it('first reading is the base; then per-bucket deltas; a decrease is a reset, never negative', () => {
    const d = new HistogramDelta();
    assert.deepEqual(d.next(read(1, 3, 4)), { ok: true, bounds: [0.01, 0.025], perBucket: [0, 0, 0], total: 0, first: true });
    const r = d.next(read(2, 6, 9));
    assert.ok(r.ok && r.total === 5);
    assert.deepEqual(r.ok ? r.perBucket : [], [1, 2, 2]);
    const reset = d.next(read(0, 1, 1));
    assert.ok(!reset.ok && reset.problem === 'counter_reset');
    const after = d.next(read(0, 2, 2));
    assert.ok(after.ok && after.total === 1);
  });
  it('a histogram that appears after an answered scrape counts from zero', () => {
    const d = new HistogramDelta();
    d.markAbsent();
    const r = d.next(read(1, 3, 4));
    assert.ok(r.ok && !r.first && r.total === 4);
  });
});
