/**
 * Fault injection on a real `kts serve` run as the injector runs it (NODE_ENV=production and
 * the injected NODE_OPTIONS heap bounds): hostile input, a taken port, SIGHUP. Counts and
 * memory are asserted; timings live in the bench.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { SIDECAR_MEMORY_LIMIT, SIDECAR_NODE_OPTIONS } from '../../src/k8s/inject.js';
import { CLI, captureH100Baseline, ktsLines, type ServeProcess, scrapeUntil, series, startServeProcess, waitFor } from '../helpers.js';

export const SIDECAR_ENV = { NODE_ENV: 'production', NODE_OPTIONS: SIDECAR_NODE_OPTIONS };
const LIMIT_BYTES = Number.parseInt(SIDECAR_MEMORY_LIMIT, 10) * 1024 * 1024;

/** Peak resident set of a process (Linux), in bytes. */
export function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) * 1024;
}

describe('kts serve under faults (real process, sidecar heap limits)', () => {
  const running: ServeProcess[] = [];
  after(async () => {
    for (const s of running) await s.stop('SIGKILL');
  });
  const start = async (args: string[]): Promise<ServeProcess> => {
    const s = await startServeProcess(args, SIDECAR_ENV);
    running.push(s);
    // The port is bound before the sources start: lines written before the file source has
    // opened its file are before its starting point (it starts at the end, like tail -f).
    await scrapeUntil(s.url, (t) => series(t, 'kts_source_up') === 1, 10_000, 'the file source attached');
    return s;
  };

  it('a 50 MB line without a newline is counted too_long, the lines after it are kept, RSS stays under the limit', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-faults-'));
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const serve = await start(['--source', `file:${log}`, '--warmup', '0']);
    appendFileSync(log, 'KTS_APP,v1,A,0,1,2,');
    const mb = Buffer.alloc(1 << 20, 0x39);
    for (let i = 0; i < 50; i++) appendFileSync(log, mb);
    appendFileSync(log, `\n${ktsLines('A', 1, 20)}`);
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'A' }) === 20, 30_000, '20 samples');
    assert.equal(series(text, 'kts_malformed_lines_total', { reason: 'too_long' }), 1);
    const rss = peakRss(serve.child.pid as number);
    assert.ok(rss < LIMIT_BYTES, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB under ${SIDECAR_MEMORY_LIMIT}`);
  });

  it('a port already in use exits 2 with one line naming --listen', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'kts-faults-'));
    const r = spawnSync(process.execPath, [CLI, 'serve', '--source', `file:${join(dir, 'app.log')}`, '--listen', `127.0.0.1:${port}`], {
      encoding: 'utf8',
      timeout: 15_000,
      env: { ...process.env, ...SIDECAR_ENV },
    });
    blocker.close();
    assert.equal(r.status, 2, `exit ${r.status} signal ${r.signal}: ${r.stderr}`);
    const errLines = r.stderr.trim().split('\n');
    assert.equal(errLines.length, 1, r.stderr);
    assert.match(errLines[0] ?? '', new RegExp(`^kts: --listen 127\\.0\\.0\\.1:${port}: address already in use$`));
  });

  it('SIGHUP does not stop serve: it reloads the baseline, and a bad one is a clear reload error', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-faults-'));
    const log = join(dir, 'app.log');
    const baseline = join(dir, 'baseline.json');
    captureH100Baseline(baseline);
    writeFileSync(log, '');
    // A long poll interval: only SIGHUP can make it read the file again.
    const serve = await start(['--source', `file:${log}`, '--baseline', baseline, '--baseline-poll-ms', '600000', '--log-level', 'info']);
    const good = readFileSync(baseline, 'utf8');
    const zero = JSON.parse(good) as { profiles: { clocks: Record<string, Record<string, number>> }[] };
    for (const p of zero.profiles)
      for (const c of Object.values(p.clocks)) for (const q of ['p50_ms', 'p95_ms', 'p99_ms', 'p999_ms']) c[q] = 0;
    writeFileSync(baseline, JSON.stringify(zero));
    serve.child.kill('SIGHUP');
    await scrapeUntil(serve.url, (t) => series(t, 'kts_baseline_reloads_total', { result: 'failure' }) === 1, 10_000, 'reload failure');
    const status = (await (await fetch(`${serve.url}/api/status`)).json()) as { baseline: { error: string | null } };
    assert.match(status.baseline.error ?? '', /p99_ms must be above 0/);
    writeFileSync(baseline, good);
    serve.child.kill('SIGHUP');
    await scrapeUntil(serve.url, (t) => series(t, 'kts_baseline_reloads_total', { result: 'success' }) === 2, 10_000, 'reload success');
    assert.equal(serve.child.exitCode, null, 'still running');
    await waitFor(() => serve.logs.some((l) => l.includes('SIGHUP: reloading')), 5000, 'reload logged');
    const r = await serve.stop('SIGTERM');
    assert.equal(r.code, 0);
  });

  it('--max-workloads beyond what the memory limit holds exits 2 at start-up with one line', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '--max-workloads', '65', '--print-config'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(
      r.stderr.trim(),
      /^kts: invalid --max-workloads \(KTS_MAX_WORKLOADS\): at most 64 workloads fit the sidecar's 160Mi memory limit/,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });

  it('a flood of 1,000 one-line junk workload names arriving first leaves the real workload its series', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-faults-'));
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const serve = await start(['--source', `file:${log}`, '--warmup', '0']);
    let junk = '';
    for (let i = 0; i < 1000; i++) junk += `KTS_APP,v1,junk${i},0,1,2,0.1\n`;
    appendFileSync(log, junk);
    appendFileSync(log, ktsLines('real', 0, 50));
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'real' }) === 50, 20_000, 'real samples');
    assert.equal(series(text, 'kts_workloads'), 32);
    assert.equal(series(text, 'kts_lines_total', { result: 'parsed' }), 1050);
    const rss = peakRss(serve.child.pid as number);
    assert.ok(rss < LIMIT_BYTES, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB under ${SIDECAR_MEMORY_LIMIT}`);
  });

  it('an endless dcgm-exporter body is cut at the byte cap every scrape; RSS stays under the limit', async () => {
    const uuid = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';
    const ours = `DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="${uuid}",device="nvidia0",modelName="NVIDIA H100 80GB HBM3"} 0.5\n`;
    const filler = 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER{gpu="9",UUID="GPU-x",device="nvidia9"} 0\n'.repeat(2000);
    const dcgm = createHttpServer((_req, res) => {
      res.write(ours);
      let sent = 0;
      const more = (): void => {
        while (sent < 1e9 && res.write(filler)) sent += filler.length;
        if (sent < 1e9) res.once('drain', more);
        else res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
    });
    await new Promise<void>((r) => dcgm.listen(0, '127.0.0.1', r));
    try {
      const dir = mkdtempSync(join(tmpdir(), 'kts-faults-'));
      const log = join(dir, 'app.log');
      writeFileSync(log, '');
      const url = `http://127.0.0.1:${(dcgm.address() as { port: number }).port}/metrics`;
      const serve = await start([
        '--source',
        `file:${log}`,
        '--dcgm-url',
        url,
        '--dcgm-interval-ms',
        '500',
        '--dcgm-timeout-ms',
        '400',
        '--gpu-uuid',
        uuid,
      ]);
      const text = await scrapeUntil(
        serve.url,
        (t) => (series(t, 'kts_dcgm_scrape_errors_total', { reason: 'too_large' }) ?? 0) >= 5,
        20_000,
        'five cut scrapes',
      );
      assert.equal(series(text, 'kts_dcgm_up'), 1);
      const rss = peakRss(serve.child.pid as number);
      assert.ok(rss < LIMIT_BYTES, `peak RSS ${(rss / 2 ** 20).toFixed(0)} MiB under ${SIDECAR_MEMORY_LIMIT}`);
    } finally {
      dcgm.closeAllConnections();
      dcgm.close();
    }
  });
});
