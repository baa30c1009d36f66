/**
 * /metrics cost with 16 workloads: render time of the registry (as the HTTP handler does)
 * after every workload has a baseline, five minutes of windows and a full total.
 */
import { LineDecoder } from '../src/line/decoder.js';
import { buildRegistry } from '../src/metrics/registry.js';
import { newStatus } from '../src/sources/source.js';
import { makeProfile } from '../src/stats/baseline.js';
import { LiveTracker } from '../src/stats/live.js';
import { latency, prng } from './generate.js';

export interface ScrapeFigures {
  workloads: number;
  samples_per_workload: number;
  scrapes: number;
  p50_ms: number;
  p99_ms: number;
  max_ms: number;
  bytes: number;
}

export async function scrapeLatency(workloads = 16, perWorkload = 20_000, scrapes = 200): Promise<ScrapeFigures> {
  const rand = prng(11);
  const tracker = new LiveTracker({ warmupIterations: 0, maxWorkloads: 64 });
  const decoder = new LineDecoder(() => undefined);
  const start = Date.now() - 5 * 60_000;
  const sample = {
    workload: '',
    iteration: 0,
    startSec: 1_795_000_000,
    startNsec: 0,
    endSec: 1_795_000_000,
    endNsec: 0,
    deviceMs: 0,
    phase: '',
  };
  for (let i = 0; i < perWorkload; i++) {
    for (let w = 0; w < workloads; w++) {
      const [device, wall] = latency(rand, 300_000 + w * 100_000);
      sample.workload = `workload-${w}`;
      sample.iteration = i;
      sample.deviceMs = device / 1e6;
      sample.endNsec = wall;
      tracker.ingest(sample, start + (i * 5 * 60_000) / perWorkload);
    }
  }
  const clocks = (w: number) => {
    const s = tracker.get(`workload-${w}`)?.stats.summaries('total', Date.now());
    if (s === undefined) throw new Error('missing workload');
    return s;
  };
  tracker.setBaselines({
    version: 1,
    profiles: Array.from({ length: workloads }, (_, w) =>
      makeProfile({ profile: 'bench', workload: `workload-${w}`, capturedAt: new Date(0), clocks: clocks(w) }),
    ),
  });
  const source = { status: { ...newStatus('file:/bench'), up: true }, decoder, start: async () => {}, stop: async () => {} };
  const { render } = buildRegistry({ tracker, sources: [source], baselineReloads: { success: 1, failure: 0 }, duplicates: () => 0 });
  let bytes = 0;
  for (let i = 0; i < 20; i++) bytes = (await render()).length; // warm up the JIT
  const times: number[] = [];
  for (let i = 0; i < scrapes; i++) {
    const t0 = process.hrtime.bigint();
    await render();
    times.push(Number(process.hrtime.bigint() - t0) / 1e6);
  }
  times.sort((a, b) => a - b);
  const at = (q: number) => Number((times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] as number).toFixed(3));
  return { workloads, samples_per_workload: perWorkload, scrapes, p50_ms: at(0.5), p99_ms: at(0.99), max_ms: at(1), bytes };
}
