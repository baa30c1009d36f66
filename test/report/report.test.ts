import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { REPORT_FORMATS, type ReportResult, runReport } from '../../src/report/index.js';
import { ExactQuantiles } from '../../src/stats/exact.js';
import { H100 } from '../helpers.js';

/** The fixture README's reference figures (exact nearest-rank, iterations 0-9 dropped). */
const REFERENCE = {
  FFT: { baseline: { device: [0.412, 0.515], wall: [0.599, 0.779] }, shared: { device: [0.281, 0.478], wall: [0.585, 1.022] } },
  GEMM: { baseline: { device: [2.888, 3.011], wall: [3.085, 3.239] }, shared: { device: [2.784, 3.424], wall: [3.102, 3.769] } },
} as const;

const close = (got: number, want: number, rel = 0.005): boolean => Math.abs(got - want) <= rel * want;

describe('kts report on the H100 fixtures', () => {
  let out: string;
  let result: ReportResult;
  before(async () => {
    out = await mkdtemp(join(tmpdir(), 'kts-report-'));
    result = await runReport({
      baseline: [`${H100}/solo-fft.log`, `${H100}/solo-gemm.log`],
      shared: [`${H100}/shared-fft.log`, `${H100}/shared-gemm.log`],
      outDir: out,
      warmupIterations: 10,
      formats: new Set(REPORT_FORMATS),
      now: new Date('2026-11-25T00:00:00Z'),
    });
  });

  it('reproduces the fixture README figures within 0.5 %', () => {
    for (const [workload, phases] of Object.entries(REFERENCE)) {
      for (const [phase, clocks] of Object.entries(phases)) {
        for (const [clock, [p50, p99]] of Object.entries(clocks) as [string, readonly [number, number]][]) {
          const row = result.summary.stats.find((r) => r.workload === workload && r.phase === phase && r.clock === clock);
          assert.ok(row, `${workload} ${phase} ${clock}`);
          assert.equal(row.count, 590);
          assert.ok(close(row.p50_ms, p50), `${workload} ${phase} ${clock} p50 ${row.p50_ms} vs ${p50}`);
          assert.ok(close(row.p99_ms, p99), `${workload} ${phase} ${clock} p99 ${row.p99_ms} vs ${p99}`);
        }
      }
    }
  });

  it('gives the degradation factors of the issue: FFT wall 1.31, device 0.93; GEMM 1.16, 1.14', () => {
    const df = (w: string, c: string) => result.summary.degradation.find((d) => d.workload === w && d.clock === c)?.df_p99 ?? Number.NaN;
    assert.ok(close(df('FFT', 'wall'), 1.022 / 0.779), `FFT wall ${df('FFT', 'wall')}`);
    assert.ok(close(df('FFT', 'device'), 0.478 / 0.515), `FFT device ${df('FFT', 'device')}`);
    assert.ok(close(df('GEMM', 'wall'), 3.769 / 3.239));
    assert.ok(close(df('GEMM', 'device'), 3.424 / 3.011));
  });

  it('agrees with exact nearest-rank quantiles of the same samples on every clock', async () => {
    for (const [file, phase] of [
      ['solo-fft.log', 'baseline'],
      ['shared-fft.log', 'shared'],
      ['solo-gemm.log', 'baseline'],
      ['shared-gemm.log', 'shared'],
    ] as const) {
      const lines = (await readFile(`${H100}/${file}`, 'utf8'))
        .trim()
        .split('\n')
        .map((l) => l.split(','));
      const kept = lines.filter((f) => Number(f[3]) >= 10);
      const wall = kept.map((f) => Number(BigInt(f[5] as string) - BigInt(f[4] as string)) / 1e6);
      const device = kept.map((f) => Number(f[6]));
      const queue = kept.map((_, i) => Math.max(0, (wall[i] as number) - (device[i] as number)));
      const workload = kept[0]?.[2] as string;
      for (const [clock, values] of [
        ['device', device],
        ['wall', wall],
        ['queue', queue],
      ] as const) {
        const exact = new ExactQuantiles(values);
        const row = result.summary.stats.find((r) => r.workload === workload && r.phase === phase && r.clock === clock);
        assert.ok(row);
        for (const [q, got] of [
          [0.5, row.p50_ms],
          [0.95, row.p95_ms],
          [0.99, row.p99_ms],
          [0.999, row.p999_ms],
        ] as const) {
          assert.ok(close(got, exact.quantile(q)), `${file} ${clock} q${q}: ${got} vs ${exact.quantile(q)}`);
        }
        assert.ok(close(row.max_ms, Math.max(...values), 1e-9));
      }
    }
  });

  it('writes summary.json, summary.csv, results.md and SVG plots', async () => {
    const files = (await readdir(out)).sort();
    for (const f of ['summary.json', 'summary.csv', 'results.md', 'percentiles-FFT.svg', 'quantiles-GEMM.svg', 'timeline-FFT.svg']) {
      assert.ok(files.includes(f), f);
    }
    const json = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8'));
    assert.equal(json.warmup_iterations, 10);
    assert.equal(json.stats.length, 2 * 2 * 3);
    const csv = (await readFile(join(out, 'summary.csv'), 'utf8')).trim().split('\n');
    assert.equal(csv[0], 'workload,phase,clock,count,p50_ms,p95_ms,p99_ms,p999_ms,max_ms,mean_ms,jitter,throughput_proxy_ips');
    assert.equal(csv.length, 13);
    const svg = await readFile(join(out, 'percentiles-FFT.svg'), 'utf8');
    assert.match(svg, /^<svg[^>]+xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svg, /solo/);
    assert.match(svg, /shared/);
  });

  it('says in results.md which clock shows the contention', async () => {
    const md = await readFile(join(out, 'results.md'), 'utf8');
    assert.match(md, /\*\*FFT\*\*: only the wall clock shows the contention: p99 grew 1\.31×/);
    assert.match(md, /device clock moved 0\.93×/);
    assert.match(md, /\*\*GEMM\*\*: both clocks show the contention/);
    assert.match(md, /\| FFT \| 0\.928 \| 1\.312 \|/);
    assert.match(md, /!\[timeline-FFT\.svg\]\(timeline-FFT\.svg\)/);
  });

  it('honours --format', async () => {
    const only = await mkdtemp(join(tmpdir(), 'kts-report-'));
    await runReport({
      baseline: [H100],
      shared: [`${H100}/shared-fft.log`],
      outDir: only,
      warmupIterations: 10,
      formats: new Set(['json'] as const),
    });
    assert.deepEqual(await readdir(only), ['summary.json']);
  });
});

describe('kts report on the workers/kts_worker.py H100 runs (2026-11-25)', () => {
  it('reproduces the fixture README: the device clock hides the FFT contention, the wall clock shows it', async () => {
    const dir = `${H100}/../h100-2026-11-25`;
    const r = await runReport({
      baseline: [`${dir}/solo-fft.log`, `${dir}/solo-gemm.log`],
      shared: [`${dir}/shared-fft.log`, `${dir}/shared-gemm.log`],
      outDir: await mkdtemp(join(tmpdir(), 'kts-report-25-')),
      warmupIterations: 10,
      formats: new Set(['json']),
    });
    const df = (w: string, c: 'device' | 'wall') => r.model.degradation.get(w)?.[c].dfP99 ?? Number.NaN;
    assert.ok(Math.abs(df('FFT', 'wall') - 2.451 / 2.092) < 0.01, `FFT wall DF ${df('FFT', 'wall')}`);
    assert.ok(Math.abs(df('FFT', 'device') - 0.989 / 1.109) < 0.01, `FFT device DF ${df('FFT', 'device')}`);
    assert.ok(df('FFT', 'device') < 1 && df('FFT', 'wall') > 1.1);
    assert.equal(r.model.shared.get('GEMM')?.wall.count, 590);
  });
});
