import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { readCounterSum, StageMeans } from '../../src/sources/prom-counters.js';
import { PRESETS } from '../../src/sources/prom-presets.js';

/** Triton's exposition of its cumulative counters for two models (a shape from its metrics guide). */
const body = (
  n: number,
  q: number,
  c: number,
) => `# HELP nv_inference_request_success Number of successful inference requests, all batch sizes
# TYPE nv_inference_request_success counter
nv_inference_request_success{model="resnet",version="1"} ${n}
nv_inference_request_success{model="bert",version="1"} 1000
# TYPE nv_inference_queue_duration_us counter
nv_inference_queue_duration_us{model="resnet",version="1"} ${q}
nv_inference_queue_duration_us{model="bert",version="1"} 999999
# TYPE nv_inference_compute_infer_duration_us counter
nv_inference_compute_infer_duration_us{model="resnet",version="1"} ${c}
nv_inference_compute_infer_duration_us{model="bert",version="1"} 999999
`;

describe("Triton's cumulative stage counters: a mean per interval, nothing finer", () => {
  const filter = new Map([['model', 'resnet']]);

  it('sums the series a label filter selects, and tells an absent family', () => {
    assert.equal(readCounterSum(body(5, 10, 20), 'nv_inference_request_success', filter), 5);
    assert.equal(readCounterSum(body(5, 10, 20), 'nv_inference_request_success', new Map()), 1005);
    assert.equal(readCounterSum(body(5, 10, 20), 'nv_inference_pending_request_count', filter), undefined);
  });

  it('gives the mean queue and compute time per request of each interval; a reset or a missing counter starts over', () => {
    const m = new StageMeans(PRESETS['triton-first-response'].stages, filter);
    m.observe(body(100, 50_000, 400_000));
    assert.equal(m.latest.size, 0, 'the first scrape only sets the base');
    m.observe(body(150, 150_000, 900_000)); // 50 requests: 2 ms queued, 10 ms computing on average
    assert.deepEqual(Object.fromEntries(m.latest), { queue: 0.002, compute_infer: 0.01 });
    m.observe(body(150, 150_000, 900_000));
    assert.ok(Number.isNaN(m.latest.get('queue')), 'no request ended: NaN, not 0');
    m.observe(body(3, 300, 3000)); // the server restarted
    m.observe(body(13, 1300, 53_000));
    assert.deepEqual(Object.fromEntries(m.latest), { queue: 0.0001, compute_infer: 0.005 });
    m.observe('nv_inference_request_success{model="resnet"} 20\n');
    m.observe(body(30, 2300, 63_000));
    assert.deepEqual(Object.fromEntries(m.latest), { queue: 0.0001, compute_infer: 0.005 }, 'unchanged until two complete scrapes');
  });
});
