import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import type { DcgmRecord } from '../../src/dcgm/record.js';
import { runReport } from '../../src/report/index.js';
import { FakeDcgm } from '../dcgm/fake-dcgm.js';
import { CLI, H100 } from '../helpers.js';

const UUID = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';

/** Records every 100 ms over a fixture's time span: alone with low SM activity, or shared with high. */
function records(log: string, shared: boolean): DcgmRecord[] {
  const lines = readFileSync(`${H100}/${log}`, 'utf8').trim().split('\n');
  const first = Number(BigInt(lines[0]?.split(',')[4] ?? '0') / 1_000_000n) / 1000;
  const last = Number(BigInt(lines.at(-1)?.split(',')[5] ?? '0') / 1_000_000n) / 1000;
  const out: DcgmRecord[] = [];
  for (let t = first; t <= last + 0.2; t += 0.1) {
    const k = out.length;
    out.push({
      t,
      gpus: [
        {
          uuid: UUID,
          index: '0',
          model: 'NVIDIA H100 80GB HBM3',
          mig_profile: '',
          mig_instance: '',
          pods: shared ? ['gpu/fft-0', 'gpu/gemm-0'] : ['gpu/fft-0'],
          values: { sm_active_ratio: (shared ? 0.85 : 0.3) + (k % 5) * 0.01, utilization_ratio: shared ? 1 : 0.4 },
        },
      ],
    });
  }
  return out;
}

describe('kts report --dcgm', () => {
  it('joins every iteration to the scrape covering it, in results.md and summary.json', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-dcgm-report-'));
    const file = join(dir, 'dcgm.jsonl');
    const all = [...records('solo-fft.log', false), ...records('shared-fft.log', true), { t: 1795387999, error: 'timeout after 1000 ms' }];
    writeFileSync(file, `${all.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const r = await runReport({
      baseline: [`${H100}/solo-fft.log`],
      shared: [`${H100}/shared-fft.log`],
      outDir: dir,
      warmupIterations: 10,
      formats: new Set(['json', 'md']),
      dcgm: { file },
    });
    const rows = r.summary.dcgm ?? [];
    const solo = rows.find((x) => x.phase === 'baseline' && x.workload === 'FFT');
    const shared = rows.find((x) => x.phase === 'shared' && x.workload === 'FFT');
    assert.equal(solo?.joined, 590);
    assert.equal(solo?.iterations, 590);
    assert.equal(solo?.pods_sharing_max, 1);
    assert.ok(Math.abs((solo?.wall_p99_ms_alone ?? 0) - 0.779) < 0.001, `solo alone p99 ${solo?.wall_p99_ms_alone}`);
    assert.equal(solo?.wall_p99_ms_shared, null);
    assert.equal(shared?.pods_sharing_max, 2);
    assert.ok(Math.abs((shared?.wall_p99_ms_shared ?? 0) - 1.022) < 0.001, `shared p99 ${shared?.wall_p99_ms_shared}`);
    assert.ok(Math.abs((shared?.sm_active_mean ?? 0) - 0.87) < 0.01);
    const md = readFileSync(join(dir, 'results.md'), 'utf8');
    assert.match(md, /## GPU counters joined per iteration \(dcgm-exporter\)/);
    assert.match(md, /\| FFT \| shared \| 590 \/ 590 \| 0\.87\d \| 1\.000 \| 2 \|/);
    const json = JSON.parse(readFileSync(join(dir, 'summary.json'), 'utf8')) as { dcgm: unknown[] };
    assert.equal(json.dcgm.length, 2);
  });

  it('asks which GPU when the records hold several, and names bad input', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-dcgm-report-'));
    const file = join(dir, 'dcgm.jsonl');
    const two = (t: number) => ({
      t,
      gpus: [UUID, 'GPU-other'].map((uuid, i) => ({
        uuid,
        index: String(i),
        model: 'H100',
        mig_profile: '',
        mig_instance: '',
        pods: [],
        values: {},
      })),
    });
    writeFileSync(file, `${JSON.stringify(two(1))}\n${JSON.stringify(two(2))}\n`);
    const args = ['report', '--baseline', `${H100}/solo-fft.log`, '--shared', `${H100}/shared-fft.log`, '--out', dir, '--format', 'json'];
    const r = spawnSync(process.execPath, [CLI, ...args, '--dcgm', file], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /hold 2 GPUs; pick one with --gpu-uuid/);
    writeFileSync(file, 'not json\n');
    const bad = spawnSync(process.execPath, [CLI, ...args, '--dcgm', file], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /dcgm\.jsonl:1 is not JSON/);
  });
});

describe('kts dcgm record', () => {
  it('writes timestamped scrapes of every GPU as JSON lines', async () => {
    const fake = new FakeDcgm();
    fake.gpus = [
      { index: 0, uuid: UUID, pods: ['gpu/fft-0', 'gpu/gemm-0'] },
      { index: 1, uuid: 'GPU-1c2b08c1-f602-d290-4519-863bc0c96079' },
    ];
    await fake.start();
    const out = join(mkdtempSync(join(tmpdir(), 'kts-dcgm-rec-')), 'dcgm.jsonl');
    const { spawn } = await import('node:child_process');
    const child = spawn(process.execPath, [
      CLI,
      'dcgm',
      'record',
      '--url',
      fake.url,
      '--out',
      out,
      '--interval-ms',
      '50',
      '--duration',
      '1',
    ]);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    await fake.stop();
    assert.equal(code, 0);
    const lines = readFileSync(out, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as DcgmRecord);
    assert.ok(lines.length >= 10 && lines.length <= 21, `${lines.length} records in 1 s at 50 ms`);
    const first = lines[0];
    assert.ok(first !== undefined && Math.abs(first.t - Date.now() / 1000) < 30);
    assert.equal(first.gpus?.length, 2);
    assert.deepEqual(first.gpus?.[0]?.pods, ['gpu/fft-0', 'gpu/gemm-0']);
    assert.equal(first.gpus?.[0]?.values.sm_active_ratio, 0.6);
  });
});
