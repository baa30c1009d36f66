/**
 * Fault figures of `kts serve` run as injected (NODE_ENV=production, the injector's
 * NODE_OPTIONS), reported by `npm run bench` as `sidecar_faults` (never asserted in tests):
 *
 * - long_line: a 50 MB line without a newline on the file source: time until the next good
 *   line is counted, and the process's peak RSS;
 * - dcgm_endless_body: peak RSS while every dcgm-exporter scrape (every 500 ms, 3 s) answers an
 *   endless body (cut at the byte cap), and the scrapes cut;
 * - workloads: peak RSS with N workloads (each 300 samples with a spread of values, every
 *   series rendered by a scrape), and the RSS each workload adds: what bounds --max-workloads.
 *
 * `node dist/bench/faults.js` prints them alone.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_MEMORY_LIMIT, SIDECAR_NODE_OPTIONS } from '../src/k8s/inject.js';
import { MAX_WORKLOADS_LIMIT } from '../src/serve/config.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

function peakRss(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? Number.NaN) * 1024;
}

async function serve(log: string, extra: string[]): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--listen', '127.0.0.1:0', '--source', `file:${log}`, '--warmup', '0', ...extra], {
    env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: SIDECAR_NODE_OPTIONS },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"port":(\d+)/.exec(buf);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`kts serve exited ${code}`)));
  });
  return { child, url: `http://127.0.0.1:${port}` };
}

async function metricUntil(url: string, re: RegExp, want: number, timeoutMs: number): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const m = re.exec(await (await fetch(`${url}/metrics`)).text());
    if (m !== null && Number(m[1]) >= want) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return false;
}

function lines(workload: string, n: number): string {
  let out = '';
  for (let i = 0; i < n; i++) {
    const start = 1_700_000_000_000_000_000n + BigInt(i) * 10_000_000n;
    const wall = 100_000 + ((i * 7919) % 5_000_000);
    out += `KTS_APP,v1,${workload},${i},${start},${start + BigInt(wall)},${(wall / 2e6).toFixed(4)}\n`;
  }
  return out;
}

async function longLine(dir: string): Promise<Record<string, number | boolean>> {
  const log = join(dir, 'long.log');
  writeFileSync(log, '');
  const s = await serve(log, []);
  const t0 = performance.now();
  appendFileSync(log, 'KTS_APP,v1,A,0,1,2,');
  const mb = Buffer.alloc(1 << 20, 0x39);
  for (let i = 0; i < 50; i++) appendFileSync(log, mb);
  appendFileSync(log, `\n${lines('A', 1)}`);
  const ok = await metricUntil(s.url, /^kts_samples_total\{workload="A"\} (\S+)$/m, 1, 60_000);
  const ms = performance.now() - t0;
  const rss = peakRss(s.child.pid as number);
  s.child.kill('SIGKILL');
  return { line_bytes: 50 * 2 ** 20, next_line_counted: ok, ms_to_next_line: Math.round(ms), peak_rss_bytes: rss };
}

const GPU_UUID = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';

/** A dcgm-exporter that answers every scrape with this GPU's series and then an endless body. */
async function endlessDcgm(): Promise<{ url: string; close: () => void }> {
  const ours = `DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="${GPU_UUID}",device="nvidia0"} 0.5\n`;
  const filler = 'DCGM_FI_DEV_PCIE_REPLAY_COUNTER{gpu="9",UUID="GPU-x",device="nvidia9"} 0\n'.repeat(2000);
  const dcgm = createServer((_req, res) => {
    res.write(ours);
    const more = (): void => {
      while (res.write(filler)) {}
      res.once('drain', more);
    };
    res.on('close', () => res.removeAllListeners('drain'));
    more();
  });
  await new Promise<void>((r) => dcgm.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(dcgm.address() as AddressInfo).port}/metrics`,
    close: () => {
      dcgm.closeAllConnections();
      dcgm.close();
    },
  };
}

const dcgmFlags = (url: string): string[] => [
  '--dcgm-url',
  url,
  '--dcgm-interval-ms',
  '500',
  '--dcgm-timeout-ms',
  '400',
  '--gpu-uuid',
  GPU_UUID,
];

async function dcgmEndless(dir: string): Promise<Record<string, number>> {
  const dcgm = await endlessDcgm();
  const log = join(dir, 'dcgm.log');
  writeFileSync(log, '');
  const s = await serve(log, dcgmFlags(dcgm.url));
  await new Promise((r) => setTimeout(r, 3000));
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const cut = Number(/^kts_dcgm_scrape_errors_total\{reason="too_large"\} (\S+)$/m.exec(text)?.[1] ?? Number.NaN);
  const rss = peakRss(s.child.pid as number);
  s.child.kill('SIGKILL');
  dcgm.close();
  return { scrapes_cut: cut, peak_rss_bytes: rss };
}

interface WorkloadRun {
  workloads: number;
  endless_dcgm_body: boolean;
  peak_rss_bytes: number;
  counted: boolean;
}

async function workloads(dir: string, n: number, withDcgm = false): Promise<WorkloadRun> {
  const log = join(dir, `w${n}${withDcgm ? '-dcgm' : ''}.log`);
  writeFileSync(log, '');
  const dcgm = withDcgm ? await endlessDcgm() : undefined;
  const s = await serve(log, ['--max-workloads', String(Math.max(n, 1)), ...(dcgm === undefined ? [] : dcgmFlags(dcgm.url))]);
  for (let w = 0; w < n; w++) appendFileSync(log, lines(`w${w}`, 300));
  const counted = await metricUntil(s.url, /^kts_workloads (\S+)$/m, n, 120_000);
  for (let i = 0; i < 3; i++) await (await fetch(`${s.url}/metrics`)).text();
  if (dcgm !== undefined) await new Promise((r) => setTimeout(r, 3000));
  const rss = peakRss(s.child.pid as number);
  s.child.kill('SIGKILL');
  dcgm?.close();
  return { workloads: n, endless_dcgm_body: withDcgm, peak_rss_bytes: rss, counted };
}

export async function faultFigures(): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-bench-faults-'));
  try {
    const long = await longLine(dir);
    const dcgm = await dcgmEndless(dir);
    const sizes = (process.env.BENCH_WORKLOADS ?? `0,32,${MAX_WORKLOADS_LIMIT}`).split(',').map(Number);
    const runs = [];
    for (const n of sizes) runs.push(await workloads(dir, n));
    const first = runs[0];
    const last = runs[runs.length - 1];
    const perWorkload =
      first !== undefined && last !== undefined && last.workloads > first.workloads
        ? Math.round((last.peak_rss_bytes - first.peak_rss_bytes) / (last.workloads - first.workloads))
        : undefined;
    // The worst together: the most workloads allowed while dcgm-exporter answers endlessly.
    const worst = await workloads(dir, MAX_WORKLOADS_LIMIT, true);
    return {
      memory_limit: SIDECAR_MEMORY_LIMIT,
      long_line: long,
      dcgm_endless_body: dcgm,
      workloads: runs,
      rss_bytes_per_workload: perWorkload,
      max_workloads_with_endless_dcgm: worst,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  process.stdout.write(`${JSON.stringify(await faultFigures(), null, 2)}\n`);
}
