import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { TenancyJoin } from '../../src/dcgm/join.js';
import { DcgmScraper } from '../../src/dcgm/scraper.js';
import { LineDecoder } from '../../src/line/decoder.js';
import { CATALOG } from '../../src/metrics/catalog.js';
import { metricsMarkdown } from '../../src/metrics/docs.js';
import { buildRegistry } from '../../src/metrics/registry.js';
import { PromSource } from '../../src/sources/prom.js';
import { PRESETS } from '../../src/sources/prom-presets.js';
import type { Source } from '../../src/sources/source.js';
import { newStatus } from '../../src/sources/source.js';
import { parseBaselineDocument } from '../../src/stats/baseline.js';
import { LiveTracker } from '../../src/stats/live.js';
import { FakeDcgm } from '../dcgm/fake-dcgm.js';
import { H100, ktsLines, ROOT } from '../helpers.js';

describe('metric catalog contract', () => {
  it('METRICS.md is generated from the catalog and committed current', () => {
    assert.equal(readFileSync(`${ROOT}METRICS.md`, 'utf8'), metricsMarkdown(), 'run `npm run docs:metrics`');
  });

  it('names follow the conventions: kts_ prefix, base units, _total counters', () => {
    for (const m of CATALOG) {
      assert.match(m.name, /^kts_[a-z0-9_]+$/);
      if (m.type === 'counter') assert.match(m.name, /_total$/, m.name);
      else assert.doesNotMatch(m.name, /_total$/, m.name);
      assert.doesNotMatch(m.name, /_(ms|milliseconds|percent)$/, m.name);
    }
    assert.equal(new Set(CATALOG.map((m) => m.name)).size, CATALOG.length);
  });

  it('live /metrics exposes exactly the catalog, with its types and labels', async () => {
    const tracker = new LiveTracker({ warmupIterations: 10 });
    const doc = parseBaselineDocument({
      profiles: [
        {
          profile: 'h100',
          workload: 'FFT',
          captured_at: '2026-11-22T00:00:00Z',
          clocks: {
            device: { p50_ms: 0.412, p95_ms: 0.479, p99_ms: 0.515, p999_ms: 0.695, mean_ms: 0.42, count: 590 },
            wall: { p50_ms: 0.599, p95_ms: 0.688, p99_ms: 0.779, p999_ms: 0.979, mean_ms: 0.61, count: 590 },
          },
        },
        {
          // captured elsewhere: slower than AGENT runs alone here (kts_baseline_mismatch)
          profile: 'h100',
          workload: 'AGENT',
          captured_at: '2026-11-22T00:00:00Z',
          clocks: {
            device: { p50_ms: 0.8, p95_ms: 0.9, p99_ms: 1, p999_ms: 1.1, mean_ms: 0.8, count: 590 },
            wall: { p50_ms: 1, p95_ms: 1.1, p99_ms: 1.2, p999_ms: 1.3, mean_ms: 1, count: 590 },
            queue: { p50_ms: 0.2, p95_ms: 0.2, p99_ms: 0.2, p999_ms: 0.2, mean_ms: 0.2, count: 590 },
          },
        },
      ],
    });
    assert.ok(doc.ok);
    tracker.setBaselines(doc.doc);
    // dcgm correlation with a reading of this pod's GPU, shared with one co-tenant.
    const fake = new FakeDcgm();
    fake.gpus = [{ index: 0, uuid: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026', pods: ['gpu/fft-0', 'gpu/gemm-0'] }];
    await fake.start();
    const scraper = new DcgmScraper({
      url: fake.url,
      intervalMs: 1000,
      timeoutMs: 500,
      selector: { pod: { namespace: 'gpu', name: 'fft-0' } },
    });
    assert.equal(await scraper.scrapeOnce(), true);
    const join = new TenancyJoin();
    const decoder = new LineDecoder((s) => {
      const st = tracker.ingest(s, Date.now());
      if (st !== undefined) join.observe(st.workload, st.values[1] as number, scraper.current(Date.now()));
    });
    const lines = readFileSync(`${H100}/shared-fft.log`, 'utf8').split('\n');
    decoder.push(Buffer.from(`${lines.slice(0, 300).join('\n')}\n`));
    // SM activity changes between two dcgm readings, so the correlation has data.
    fake.gpus = [{ index: 0, uuid: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026', pods: ['gpu/fft-0', 'gpu/gemm-0'], smActive: 0.9 }];
    assert.equal(await scraper.scrapeOnce(), true);
    await fake.stop();
    decoder.push(Buffer.from(lines.slice(300).join('\n')));
    decoder.push(Buffer.from('garbage\nKTS_APP,v3,x\n'));
    // A second workload alone on its GPU long enough for the alone reference.
    const alone = new LineDecoder((s) => tracker.ingest(s, Date.now(), true));
    alone.push(Buffer.from(ktsLines('AGENT', 10, 1100)));
    // A workload read from its own Prometheus histogram (wall clock only, bucketed).
    tracker.engine.wallOnly.add('ITL');
    const itl = new LineDecoder((s) => tracker.ingest(s, Date.now()));
    itl.push(Buffer.from(ktsLines('ITL', 10, 50)));
    const itlStats = tracker.engine.workloads.get('ITL');
    if (itlStats !== undefined) itlStats.bucketsNs = [1e6, 5e6, 1e7, 1e8];
    const prom = new PromSource({
      url: 'http://127.0.0.1:1/metrics',
      workload: 'ITL',
      names: ['x_seconds'],
      labels: new Map(),
      nsPerUnit: 1e9,
      intervalMs: 1000,
      timeoutMs: 500,
      maxBytes: 1024,
      onObservations: () => undefined,
      stages: PRESETS['triton-first-response'].stages,
    });
    // Two scrapes of Triton's cumulative counters: 4 requests, 8 ms queued and 40 ms computing in all.
    const triton = (n: number, q: number, c: number) =>
      `nv_inference_request_success{model="m",version="1"} ${n}\nnv_inference_queue_duration_us{model="m",version="1"} ${q}\nnv_inference_compute_infer_duration_us{model="m",version="1"} ${c}\n`;
    prom.stageMeans?.observe(triton(10, 1000, 5000));
    prom.stageMeans?.observe(triton(14, 9000, 45000));
    assert.deepEqual(Object.fromEntries(prom.stageMeans?.latest ?? []), { queue: 0.002, compute_infer: 0.01 });
    const source: Source = { status: { ...newStatus('file:/x'), up: true }, decoder, start: async () => {}, stop: async () => {} };
    source.status.restarts.set('truncate', 1);
    const { registry } = buildRegistry(
      {
        tracker,
        sources: [source, prom],
        baselineReloads: { success: 1, failure: 0 },
        duplicates: () => 0,
        pod: { namespace: 'gpu', name: 'fft-0' },
        tier: 'gold',
        dcgm: { scraper, join },
      },
      { defaultMetrics: false },
    );
    const text = await registry.metrics();
    const help = new Map<string, string>();
    for (const m of text.matchAll(/^# TYPE (kts_\w+) (\w+)$/gm)) help.set(m[1] as string, m[2] as string);
    const sidecar = CATALOG.filter((m) => m.group !== 'guard');
    assert.deepEqual([...help.keys()].sort(), sidecar.map((m) => m.name).sort());
    assert.match(text, /^kts_tier_info\{tier="gold"\} 1$/m);
    // busy seconds: the sums of the counted iterations' device and wall times
    const counted = lines.flatMap((l) => {
      const f = l.split(',');
      return f.length >= 7 && Number(f[3]) >= 10
        ? [{ device: Number(f[6]) / 1e3, wall: Number(BigInt(f[5] as string) - BigInt(f[4] as string)) / 1e9 }]
        : [];
    });
    const busy = (clock: string) =>
      Number(new RegExp(`^kts_busy_seconds_total\\{workload="FFT",clock="${clock}"\\} (\\S+)$`, 'm').exec(text)?.[1]);
    assert.ok(Math.abs(busy('device') - counted.reduce((a, c) => a + c.device, 0)) < 1e-6, 'device busy seconds');
    assert.ok(Math.abs(busy('wall') - counted.reduce((a, c) => a + c.wall, 0)) < 1e-6, 'wall busy seconds');
    for (const m of sidecar) {
      assert.equal(help.get(m.name), m.type, m.name);
      const sample = new RegExp(`^${m.name}(?:_bucket|_sum|_count)?\\{([^}]*)\\} `, 'm').exec(text);
      assert.ok(sample !== null || m.labels.length === 0, `${m.name} has a series`);
      if (sample !== null) {
        const labels = [...(sample[1] ?? '').matchAll(/(\w+)="/g)].map((x) => x[1]).filter((l) => l !== 'le');
        assert.deepEqual(labels.sort(), [...m.labels].sort(), `${m.name} labels`);
      }
    }
  });
});
