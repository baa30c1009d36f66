import assert from 'node:assert/strict';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { runReport } from '../../src/report/index.js';
import { H100 } from '../helpers.js';

/** Exact sums of the counted iterations (iteration >= 10) of a log, in seconds. */
async function sums(file: string): Promise<{ device: number; wall: number; n: number }> {
  let device = 0;
  let wall = 0;
  let n = 0;
  for (const line of (await readFile(file, 'utf8')).split('\n')) {
    const f = line.split(',');
    if (f.length < 7 || Number(f[3]) < 10) continue;
    device += Number(f[6]) / 1e3;
    wall += Number(BigInt(f[5] as string) - BigInt(f[4] as string)) / 1e9;
    n++;
  }
  return { device, wall, n };
}

describe('kts report --cost', () => {
  it('sums GPU time per workload and phase, and prices it per GPU-hour', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kts-cost-'));
    const r = await runReport({
      baseline: [`${H100}/solo-fft.log`, `${H100}/solo-gemm.log`],
      shared: [`${H100}/shared-fft.log`, `${H100}/shared-gemm.log`],
      outDir: out,
      warmupIterations: 10,
      formats: new Set(['json', 'md']),
      cost: { pricePerGpuHour: 3.6 },
    });
    const rows = r.summary.cost ?? [];
    assert.equal(rows.length, 4);
    for (const [workload, phase, file] of [
      ['FFT', 'baseline', 'solo-fft.log'],
      ['GEMM', 'shared', 'shared-gemm.log'],
    ] as const) {
      const want = await sums(`${H100}/${file}`);
      const row = rows.find((x) => x.workload === workload && x.phase === phase);
      assert.equal(row?.iterations, want.n);
      assert.ok(Math.abs((row?.device_busy_seconds ?? 0) - want.device) < 1e-5, `${workload} ${phase} device`);
      assert.ok(Math.abs((row?.wall_busy_seconds ?? 0) - want.wall) < 1e-5, `${workload} ${phase} wall`);
      // 3.6 per GPU-hour is 0.001 per GPU-second
      assert.ok(Math.abs((row?.cost_wall ?? 0) - want.wall / 1000) < 1e-5);
    }
    // held > working: the wall span includes launch, queueing and synchronize
    for (const row of rows) assert.ok(row.wall_busy_seconds > row.device_busy_seconds, `${row.workload} ${row.phase}`);
    const md = await readFile(join(out, 'results.md'), 'utf8');
    assert.match(md, /## GPU time and cost/);
    assert.match(md, /Priced at 3\.6 per GPU-hour/);
    const json = JSON.parse(await readFile(join(out, 'summary.json'), 'utf8')) as { cost?: unknown[] };
    assert.equal(json.cost?.length, 4);
  });

  it('without --cost the summary has no cost section', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kts-cost-'));
    const r = await runReport({
      baseline: [`${H100}/solo-fft.log`],
      shared: [`${H100}/shared-fft.log`],
      outDir: out,
      warmupIterations: 10,
      formats: new Set(['json']),
    });
    assert.equal(r.summary.cost, undefined);
  });
});
