import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, captureH100Baseline, H100, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';

describe('kts serve (real process, real file, real HTTP)', () => {
  let dir: string;
  let log: string;
  let serve: ServeProcess;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kts-serve-'));
    log = join(dir, 'workload.log');
    const baseline = join(dir, 'baseline.json');
    captureH100Baseline(baseline);
    writeFileSync(log, '');
    serve = await startServeProcess(['--source', `file:${log}`, '--baseline', baseline, '--log-level', 'info']);
  });
  after(async () => {
    await serve?.stop('SIGKILL');
  });

  it('is live and ready once the file is attached and the baseline loaded', async () => {
    assert.equal((await fetch(`${serve.url}/livez`)).status, 200);
    const start = Date.now();
    while ((await fetch(`${serve.url}/readyz`)).status !== 200) {
      assert.ok(Date.now() - start < 5000, 'readyz 200 within 5 s');
      await new Promise((r) => setTimeout(r, 25));
    }
  });

  it('reports DF 1.31 (wall) and 0.93 (device) after shared-fft.log is appended', async () => {
    appendFileSync(log, readFileSync(`${H100}/shared-fft.log`));
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_lines_total', { result: 'parsed' }) === 600, 10_000, '600 lines');
    const df = (clock: string) => series(text, 'kts_degradation_factor', { workload: 'FFT', clock, window: 'total' }) ?? Number.NaN;
    assert.ok(Math.abs(df('wall') - 1.022 / 0.779) <= 0.005 * 1.31, `wall DF ${df('wall')}`);
    assert.ok(Math.abs(df('device') - 0.478 / 0.515) <= 0.005 * 0.93, `device DF ${df('device')}`);
    assert.equal(series(text, 'kts_contention_detected', { workload: 'FFT', clock: 'queue' }), 1);
    assert.equal(series(text, 'kts_contention_detected', { workload: 'FFT', clock: 'device' }), 0);
    const queueDf = series(text, 'kts_degradation_factor', { workload: 'FFT', clock: 'queue', window: 'total' }) ?? 0;
    assert.ok(queueDf > 2, `queueing DF ${queueDf}`);
    assert.equal(series(text, 'kts_baseline_loaded', { workload: 'FFT' }), 1);
    assert.equal(series(text, 'kts_samples_total', { workload: 'FFT' }), 590);
    assert.equal(series(text, 'kts_warmup_samples_total'), 10);
    assert.equal(series(text, 'kts_iteration_duration_seconds_count', { workload: 'FFT', clock: 'wall' }), 590);
    assert.equal(series(text, 'kts_degradation_threshold', { workload: 'FFT', severity: 'critical' }), 1.5);
    const p99 = series(text, 'kts_latency_seconds', { workload: 'FFT', clock: 'wall', window: 'total', percentile: '99' }) ?? 0;
    assert.ok(Math.abs(p99 - 0.001022) < 0.000006, `wall p99 ${p99}`);
  });

  it('counts malformed lines by reason and keeps going', async () => {
    appendFileSync(log, 'KTS_APP,v2,FFT,1,2,3,4\nKTS_APP,v1,F F,1,2,3,0.1\nnot a kts line\n');
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_lines_total', { result: 'ignored' }) === 1, 5000, 'all three lines');
    assert.equal(series(text, 'kts_malformed_lines_total', { reason: 'bad_workload' }), 1);
    assert.equal(series(text, 'kts_malformed_lines_total', { reason: 'unsupported_version' }), 1);
    assert.equal(series(text, 'kts_lines_total', { result: 'ignored' }), 1);
  });

  it('serves /api/status and the status page', async () => {
    const status = (await (await fetch(`${serve.url}/api/status`)).json()) as {
      ready: boolean;
      workloads: { workload: string; clocks: { queue: { contention: boolean } } }[];
      sources: { name: string; up: boolean }[];
    };
    assert.equal(status.ready, true);
    assert.equal(status.workloads[0]?.workload, 'FFT');
    assert.equal(status.workloads[0]?.clocks.queue.contention, true);
    assert.equal(status.sources[0]?.up, true);
    const page = await (await fetch(`${serve.url}/`)).text();
    assert.match(page, /<section class="card" data-workload="FFT">/);
    assert.match(page, /contention detected/);
  });

  it('exits 0 within 5 s of SIGTERM', async () => {
    const r = await serve.stop('SIGTERM');
    assert.equal(r.code, 0);
    assert.ok(r.ms < 5000, `${r.ms} ms`);
  });
});

describe('kts serve configuration', () => {
  it('fails at start-up with one line naming a bad value', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--max-workloads', 'lots'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr.trim(), /^kts: invalid --max-workloads \(KTS_MAX_WORKLOADS\): .*'lots'/);
    assert.equal(r.stderr.trim().split('\n').length, 1);
    const e = spawnSync(process.execPath, [CLI, 'serve', '--print-config'], {
      encoding: 'utf8',
      env: { ...process.env, KTS_SOURCE: 'ftp:x' },
    });
    assert.equal(e.status, 2);
    assert.match(e.stderr, /invalid --source \(KTS_SOURCE\)/);
  });

  it('--print-config shows flags over environment over defaults', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--print-config', '--warmup', '3'], {
      encoding: 'utf8',
      env: { ...process.env, KTS_WARMUP: '7', KTS_DF_WARNING: '1.3', KTS_SOURCE: 'file:/a.log,stdin' },
    });
    assert.equal(r.status, 0, r.stderr);
    const cfg = JSON.parse(r.stdout) as Record<string, unknown>;
    assert.equal(cfg.warmup, 3);
    assert.equal(cfg.dfWarning, 1.3);
    assert.equal(cfg.dfCritical, 1.5);
    assert.deepEqual(cfg.source, ['file:/a.log', 'stdin']);
  });

  it("takes this pod's GPU UUID from the workload's handed-over NVIDIA_VISIBLE_DEVICES, then its own", () => {
    const uuid = (env: Record<string, string>) => {
      const r = spawnSync(process.execPath, [CLI, 'serve', '--print-config'], { encoding: 'utf8', env: { ...process.env, ...env } });
      assert.equal(r.status, 0, r.stderr);
      return (JSON.parse(r.stdout) as { gpuUuid?: string }).gpuUuid;
    };
    assert.equal(uuid({ KTS_WORKLOAD_VISIBLE_DEVICES: 'GPU-aaaa', NVIDIA_VISIBLE_DEVICES: 'GPU-bbbb' }), 'GPU-aaaa');
    assert.equal(uuid({ NVIDIA_VISIBLE_DEVICES: 'GPU-bbbb' }), 'GPU-bbbb');
    assert.equal(uuid({ KTS_WORKLOAD_VISIBLE_DEVICES: 'all', NVIDIA_VISIBLE_DEVICES: 'void' }), undefined);
    assert.equal(uuid({ KTS_WORKLOAD_VISIBLE_DEVICES: 'GPU-aaaa', KTS_GPU_UUID: 'GPU-cccc' }), 'GPU-cccc', 'the flag or KTS_GPU_UUID wins');
  });

  it('--help lists every option with its default', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--help'], { encoding: 'utf8' });
    for (const flag of [
      '--source',
      '--baseline',
      '--profile',
      '--listen',
      '--warmup',
      '--max-workloads',
      '--df-warning',
      '--df-critical',
      '--detect-arl',
    ]) {
      assert.match(r.stdout, new RegExp(flag));
    }
    assert.match(r.stdout, /\(default: :9464\)/);
  });
});
