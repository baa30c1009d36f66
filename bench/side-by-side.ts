/**
 * kts serve and mtail side by side (issue 17): both follow the same file while a writer appends
 * KTS_APP lines at a fixed rate (1, 100, 10,000 lines/s) for BENCH_SBS_SECONDS (default 30),
 * each scraped every 15 s as Prometheus would. Per rate: CPU seconds of each process over the
 * run (from /proc/<pid>/stat, start-up excluded), peak and final RSS, and the lines each counted.
 * kts runs as the image runs it: the bundle, NODE_ENV=production and the injector's V8 flags,
 * on BENCH_NODE (default: this node) — set it to Node 24 for the figures the aims are about.
 * mtail runs the program of bench/mtail.ts (a histogram per workload), GOMAXPROCS=1.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MTAIL_PROGRAM, which } from './mtail.js';

const BUNDLE = fileURLToPath(new URL('../../dist/bundle/cli.js', import.meta.url));
/** Clock ticks per second of /proc/<pid>/stat (USER_HZ, 100 on Linux). */
const USER_HZ = 100;

function cpuSeconds(pid: number): number {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return (Number(f[11]) + Number(f[12])) / USER_HZ;
}
function rss(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitPort(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await sleep(50);
  }
  throw new Error(`${url} did not answer`);
}

interface Side {
  cpu_seconds: number;
  cpu_share_of_a_core: number;
  rss_peak_bytes: number;
  rss_end_bytes: number;
  lines_counted: number;
}

async function one(rate: number, seconds: number, dir: string, kPort: number, mPort: number) {
  const file = join(dir, `rate-${rate}.log`);
  writeFileSync(file, '');
  const node = process.env.BENCH_NODE ?? process.execPath;
  const kts: ChildProcess = spawn(
    node,
    [BUNDLE, 'serve', '--source', `file:${file}`, '--listen', `127.0.0.1:${kPort}`, '--dcgm-url', 'none'],
    {
      stdio: 'ignore',
      env: { ...process.env, NODE_ENV: 'production', NODE_OPTIONS: '--max-semi-space-size=1 --max-old-space-size=48' },
    },
  );
  const progs = join(dir, 'progs');
  const mtail: ChildProcess = spawn(
    'mtail',
    ['--progs', progs, '--logs', file, '--port', String(mPort), '--address', '127.0.0.1', '--logtostderr'],
    {
      stdio: 'ignore',
      env: { ...process.env, GOMAXPROCS: '1' },
    },
  );
  try {
    await waitPort(`http://127.0.0.1:${kPort}/livez`);
    await waitPort(`http://127.0.0.1:${mPort}/metrics`);
    await sleep(1000);
    const k0 = cpuSeconds(kts.pid as number);
    const m0 = cpuSeconds(mtail.pid as number);
    const started = Date.now();
    let written = 0;
    const base = 1_795_387_891_806_522_966n;
    const batchEveryMs = rate >= 100 ? 100 : 1000;
    const perBatch = Math.max(1, Math.round((rate * batchEveryMs) / 1000));
    let nextScrape = started + 15_000;
    while (Date.now() - started < seconds * 1000) {
      let out = '';
      for (let i = 0; i < perBatch; i++, written++) {
        const s = base + BigInt(written) * 10_000_000n;
        out += `KTS_APP,v1,w${written % 4},${written},${s},${s + 600_000n + BigInt((written * 7919) % 300_000)},0.412000,\n`;
      }
      appendFileSync(file, out);
      if (Date.now() >= nextScrape) {
        nextScrape += 15_000;
        await fetch(`http://127.0.0.1:${kPort}/metrics`).then((r) => r.text());
        await fetch(`http://127.0.0.1:${mPort}/metrics`).then((r) => r.text());
      }
      await sleep(batchEveryMs);
    }
    await sleep(1500);
    const elapsed = (Date.now() - started) / 1000;
    const kText = await (await fetch(`http://127.0.0.1:${kPort}/metrics`)).text();
    const mText = await (await fetch(`http://127.0.0.1:${mPort}/metrics`)).text();
    const kCounted = Number(/^kts_lines_total\{result="parsed"\} (\S+)/m.exec(kText)?.[1] ?? 0);
    let mCounted = 0;
    for (const m of mText.matchAll(/^kts_device_latency_ms_count\{[^}]*\} (\S+)/gm)) mCounted += Number(m[1]);
    const side = (pid: number, c0: number, counted: number): Side => {
      const cpu = cpuSeconds(pid) - c0;
      return {
        cpu_seconds: Number(cpu.toFixed(2)),
        cpu_share_of_a_core: Number((cpu / elapsed).toFixed(4)),
        rss_peak_bytes: rss(pid, 'VmHWM'),
        rss_end_bytes: rss(pid, 'VmRSS'),
        lines_counted: counted,
      };
    };
    const k = side(kts.pid as number, k0, kCounted);
    const m = side(mtail.pid as number, m0, mCounted);
    return {
      lines_per_second: rate,
      seconds: Number(elapsed.toFixed(1)),
      lines_written: written,
      kts: k,
      mtail: m,
      kts_to_mtail_cpu: m.cpu_seconds > 0 ? Number((k.cpu_seconds / m.cpu_seconds).toFixed(2)) : null,
    };
  } finally {
    kts.kill('SIGTERM');
    mtail.kill('SIGTERM');
    await sleep(300);
  }
}

export async function sideBySide(rates = [1, 100, 10_000], seconds = Number(process.env.BENCH_SBS_SECONDS ?? 30)) {
  if (!which('mtail')) return { available: false, note: 'mtail not installed (apt-get install mtail)' };
  const dir = mkdtempSync(join(tmpdir(), 'kts-sbs-'));
  const progs = join(dir, 'progs');
  const { mkdirSync } = await import('node:fs');
  mkdirSync(progs);
  writeFileSync(join(progs, 'kts.mtail'), MTAIL_PROGRAM);
  const runs = [];
  for (const [i, rate] of rates.entries()) runs.push(await one(rate, seconds, dir, 19_600 + 2 * i, 19_601 + 2 * i));
  return { available: true, node: process.env.BENCH_NODE ?? process.execPath, runs };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify(await sideBySide(), null, 2)}\n`);
