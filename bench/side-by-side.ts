/**
 * kts serve and mtail side by side (issue 17): both follow the same file while a writer appends
 * KTS_APP lines at a fixed rate (1, 100, 10,000 lines/s), each scraped every 15 s as
 * Prometheus would, then both read a file written at full speed.
 *
 * - Writers: `per-line` (one write per line, as the emitters flush: the common case) and
 *   `batched` (the lines of 100 ms in one write, as a buffered logger does).
 * - Each rate runs BENCH_SBS_WARM_SECONDS (default 30) before CPU is counted for
 *   BENCH_SBS_SECONDS (default 30): the sidecar runs for hours, so its JIT warm-up is left out.
 * - CPU is the sum of every thread's run time (/proc/<pid>/task/<tid>/schedstat, ns), RSS is
 *   VmRSS/VmHWM with its anonymous and file-backed parts, lines are what each counted.
 * - kts runs as the injector runs it: the bundle, NODE_ENV=production, the injected
 *   NODE_OPTIONS and malloc settings, on BENCH_NODE (default: this node; the aims are about
 *   Node 24). mtail runs the program of bench/mtail.ts (a histogram per workload), GOMAXPROCS=1,
 *   polling every 250 ms (its default).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SIDECAR_NODE_OPTIONS } from '../src/k8s/inject.js';
import { MTAIL_PROGRAM, which } from './mtail.js';
import { appLine, BUNDLE, cpuSeconds, memMb, sidecarEnv } from './sidecar.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitPort(url: string): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await fetch(url).catch(() => undefined))?.ok) return;
    await sleep(50);
  }
  throw new Error(`${url} did not answer`);
}

export type Writer = 'per-line' | 'batched';

interface Pair {
  kts: ChildProcess;
  mtail: ChildProcess;
  kUrl: string;
  mUrl: string;
}

async function startPair(file: string, progs: string, kPort: number, mPort: number): Promise<Pair> {
  const node = process.env.BENCH_NODE ?? process.execPath;
  const kts = spawn(node, [BUNDLE, 'serve', '--source', `file:${file}`, '--listen', `127.0.0.1:${kPort}`, '--dcgm-url', 'none'], {
    stdio: 'ignore',
    env: sidecarEnv(),
  });
  const mtail = spawn('mtail', ['--progs', progs, '--logs', file, '--port', String(mPort), '--address', '127.0.0.1', '--logtostderr'], {
    stdio: 'ignore',
    env: { ...process.env, GOMAXPROCS: '1' },
  });
  const pair = { kts, mtail, kUrl: `http://127.0.0.1:${kPort}/metrics`, mUrl: `http://127.0.0.1:${mPort}/metrics` };
  await waitPort(`http://127.0.0.1:${kPort}/livez`);
  await waitPort(pair.mUrl);
  return pair;
}

async function stopPair(p: Pair): Promise<void> {
  p.kts.kill('SIGTERM');
  p.mtail.kill('SIGTERM');
  await sleep(300);
}

async function counted(p: Pair): Promise<{ kts: number; mtail: number }> {
  const kText = await (await fetch(p.kUrl)).text();
  const mText = await (await fetch(p.mUrl)).text();
  let m = 0;
  for (const x of mText.matchAll(/^kts_device_latency_ms_count\{[^}]*\} (\S+)/gm)) m += Number(x[1]);
  return { kts: Number(/^kts_lines_total\{result="parsed"\} (\S+)/m.exec(kText)?.[1] ?? 0), mtail: m };
}

/** Writes `rate` lines/s to `fd` until `untilMs`, one write per line or per 100 ms; returns the next line number. */
async function write(fd: number, rate: number, writer: Writer, from: number, untilMs: number, onTick: () => Promise<void>) {
  let i = from;
  const t0 = Date.now();
  const step = writer === 'batched' ? 100 : Math.max(1, Math.min(100, 1000 / rate));
  while (Date.now() < untilMs) {
    const due = from + Math.floor(((Date.now() - t0) * rate) / 1000);
    if (writer === 'batched') {
      let out = '';
      for (; i < due; i++) out += appLine(i);
      if (out !== '') writeSync(fd, out);
    } else {
      for (; i < due; i++) writeSync(fd, appLine(i));
    }
    await onTick();
    await sleep(step);
  }
  return i;
}

async function one(rate: number, writer: Writer, dir: string, progs: string, kPort: number, mPort: number) {
  const warm = Number(process.env.BENCH_SBS_WARM_SECONDS ?? 30);
  const seconds = Number(process.env.BENCH_SBS_SECONDS ?? 30);
  const file = join(dir, `rate-${rate}-${writer}.log`);
  writeFileSync(file, '');
  const p = await startPair(file, progs, kPort, mPort);
  const fd = openSync(file, 'a');
  const scrapeMs: number[] = [];
  let nextScrape = Date.now() + 15_000;
  const onTick = async () => {
    if (Date.now() < nextScrape) return;
    nextScrape += 15_000;
    const t = process.hrtime.bigint();
    await (await fetch(p.kUrl)).text();
    scrapeMs.push(Number(process.hrtime.bigint() - t) / 1e6);
    await (await fetch(p.mUrl)).text();
  };
  try {
    let i = await write(fd, rate, writer, 0, Date.now() + warm * 1000, onTick);
    const kPid = p.kts.pid as number;
    const mPid = p.mtail.pid as number;
    const k0 = cpuSeconds(kPid);
    const m0 = cpuSeconds(mPid);
    const t0 = Date.now();
    i = await write(fd, rate, writer, i, t0 + seconds * 1000, onTick);
    const elapsed = (Date.now() - t0) / 1000;
    const kCpu = cpuSeconds(kPid) - k0;
    const mCpu = cpuSeconds(mPid) - m0;
    await sleep(1500);
    const c = await counted(p);
    const side = (pid: number, cpu: number, lines: number) => ({
      cpu_seconds: Number(cpu.toFixed(3)),
      cpu_share_of_a_core: Number((cpu / elapsed).toFixed(5)),
      rss_mb: memMb(pid, 'VmRSS'),
      rss_anon_mb: memMb(pid, 'RssAnon'),
      rss_file_mb: memMb(pid, 'RssFile'),
      rss_peak_mb: memMb(pid, 'VmHWM'),
      lines_counted: lines,
    });
    const k = side(kPid, kCpu, c.kts);
    const m = side(mPid, mCpu, c.mtail);
    return {
      lines_per_second: rate,
      writer,
      warm_seconds: warm,
      seconds: Number(elapsed.toFixed(1)),
      lines_written: i,
      kts: { ...k, metrics_ms: scrapeMs.map((x) => Number(x.toFixed(1))) },
      mtail: m,
      kts_to_mtail_cpu: mCpu > 0 ? Number((kCpu / mCpu).toFixed(2)) : null,
    };
  } finally {
    closeSync(fd);
    await stopPair(p);
  }
}

/** Both read BENCH_SBS_FULL_LINES lines written at once; lines/s until each counted them all. */
async function fullSpeed(dir: string, progs: string, kPort: number, mPort: number) {
  const lines = Number(process.env.BENCH_SBS_FULL_LINES ?? 1_000_000);
  const file = join(dir, 'full.log');
  writeFileSync(file, '');
  const p = await startPair(file, progs, kPort, mPort);
  try {
    await sleep(1000);
    const t0 = process.hrtime.bigint();
    const fd = openSync(file, 'a');
    const chunk = 10_000;
    for (let i = 0; i < lines; i += chunk) {
      let out = '';
      for (let k = i; k < Math.min(lines, i + chunk); k++) out += appLine(k);
      writeSync(fd, out);
    }
    closeSync(fd);
    const written = Number(process.hrtime.bigint() - t0) / 1e9;
    const done: { kts?: number; mtail?: number } = {};
    const deadline = Date.now() + 300_000;
    while ((done.kts === undefined || done.mtail === undefined) && Date.now() < deadline) {
      await sleep(100);
      const c = await counted(p);
      const at = Number(process.hrtime.bigint() - t0) / 1e9;
      if (done.kts === undefined && c.kts >= lines) done.kts = at;
      if (done.mtail === undefined && c.mtail >= lines) done.mtail = at;
    }
    const rate = (s: number | undefined) => (s === undefined ? null : Math.round(lines / s));
    return {
      lines,
      write_seconds: Number(written.toFixed(2)),
      kts_seconds: done.kts ?? null,
      mtail_seconds: done.mtail ?? null,
      kts_lines_per_second: rate(done.kts),
      mtail_lines_per_second: rate(done.mtail),
      note: 'both follow the file from its end while it is written; seconds until each counted every line, polled every 100 ms',
    };
  } finally {
    await stopPair(p);
  }
}

export async function sideBySide(rates = [1, 100, 10_000], writers: Writer[] = ['per-line', 'batched']) {
  if (!which('mtail')) return { available: false, note: 'mtail not installed (apt-get install mtail)' };
  const dir = mkdtempSync(join(tmpdir(), 'kts-sbs-'));
  const progs = join(dir, 'progs');
  mkdirSync(progs);
  writeFileSync(join(progs, 'kts.mtail'), MTAIL_PROGRAM);
  const runs = [];
  let port = 19_600;
  for (const writer of writers) for (const rate of rates) runs.push(await one(rate, writer, dir, progs, port++, port++));
  return {
    available: true,
    node: process.env.BENCH_NODE ?? process.execPath,
    node_options: SIDECAR_NODE_OPTIONS,
    runs,
    full_speed: await fullSpeed(dir, progs, port++, port++),
  };
}

const listed = (v: string | undefined) => (v === undefined || v === '' ? undefined : v.split(',').map((x) => x.trim()));
/** BENCH_SBS_RATES / BENCH_SBS_WRITERS (comma lists) run a part only. */
export const chosenRates = (): number[] => listed(process.env.BENCH_SBS_RATES)?.map(Number) ?? [1, 100, 10_000];
export const chosenWriters = (): Writer[] => (listed(process.env.BENCH_SBS_WRITERS) as Writer[] | undefined) ?? ['per-line', 'batched'];

if (process.argv[1] === fileURLToPath(import.meta.url))
  process.stdout.write(`${JSON.stringify(await sideBySide(chosenRates(), chosenWriters()), null, 2)}\n`);
