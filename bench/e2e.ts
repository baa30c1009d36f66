/**
 * The sidecar as a whole, as a separate process: `kts serve` tailing a file, scraped once a
 * second like Prometheus would.
 *
 * - fileTailIngest: a generated file read from the beginning by the file source; lines/s
 *   until every line is counted, with the process pinned to one core, and its peak RSS.
 * - soak: one hour of recorded time (8 workloads at 50 iterations/s) replayed with
 *   `kts replay --speed 60` into the tailed file; RSS sampled every 2 s must stay flat.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from './generate.js';
import { BUNDLE, sidecarEnv } from './sidecar.js';

const CLI = fileURLToPath(new URL('../src/cli.js', import.meta.url));

interface Serve {
  child: ChildProcess;
  url: string;
}

function rssBytes(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number(m[1]) * 1024;
}

async function startServe(args: string[], pin: readonly string[]): Promise<Serve> {
  const cmd = [...pin, process.env.BENCH_NODE ?? process.execPath, BUNDLE, 'serve', '--listen', '127.0.0.1:0', ...args];
  // The injected V8 flags and malloc settings; BENCH_SIDECAR_NODE_OPTIONS replaces the flags.
  const child = spawn(cmd[0] as string, cmd.slice(1), {
    stdio: ['ignore', 'pipe', 'inherit'],
    env: sidecarEnv({}, process.env.BENCH_SIDECAR_NODE_OPTIONS),
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      const m = /"port":(\d+)[^\n]*"msg":"kts serve listening"/.exec(buf);
      if (m !== null) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`kts serve exited with ${code}`)));
  });
  child.stdout?.resume();
  return { child, url: `http://127.0.0.1:${port}` };
}

function heapUsedMb(text: string): number {
  const m = /^nodejs_heap_size_used_bytes (\S+)/m.exec(text);
  return m === null ? 0 : Number((Number(m[1]) / 2 ** 20).toFixed(1));
}

function parsedLines(text: string): number {
  const m = /^kts_lines_total\{result="parsed"\} (\d+)/m.exec(text);
  return m === null ? 0 : Number(m[1]);
}

async function stop(s: Serve): Promise<void> {
  await new Promise<void>((resolve) => {
    s.child.once('exit', () => resolve());
    s.child.kill('SIGTERM');
  });
}

export async function fileTailIngest(dir: string, lines: number, pin: readonly string[]) {
  const file = join(dir, 'e2e.log');
  generateLog(file, lines);
  const t0 = process.hrtime.bigint();
  const s = await startServe(['--source', `file:${file}`, '--from-beginning', '--log-level', 'info'], pin);
  const pid = s.child.pid as number;
  let scrapes = 0;
  let scrapeMsMax = 0;
  let counted = 0;
  // The followed-file rate: lines counted between the first scrape that saw some and the one
  // that saw all, scraped every 100 ms (process start-up left out).
  let first: { at: bigint; counted: number } | undefined;
  while (counted < lines) {
    await new Promise((r) => setTimeout(r, 100));
    const ts = process.hrtime.bigint();
    counted = parsedLines(await (await fetch(`${s.url}/metrics`)).text());
    scrapeMsMax = Math.max(scrapeMsMax, Number(process.hrtime.bigint() - ts) / 1e6);
    scrapes++;
    if (first === undefined && counted > 0 && counted < lines) first = { at: ts, counted };
  }
  const end = process.hrtime.bigint();
  const seconds = Number(end - t0) / 1e9;
  const peak = rssBytes(pid, 'VmHWM');
  await stop(s);
  const followed = first === undefined ? undefined : (lines - first.counted) / (Number(end - first.at) / 1e9);
  return {
    lines,
    seconds_until_all_counted: Number(seconds.toFixed(2)),
    lines_per_second_with_start: Math.round(lines / seconds),
    lines_per_second_followed: followed === undefined ? null : Math.round(followed),
    aim_lines_per_second_followed: 1_000_000,
    scrapes,
    slowest_scrape_under_load_ms: Number(scrapeMsMax.toFixed(1)),
    peak_rss_bytes: peak,
    note: 'the bundle with the injected flags, read from the start of the file, scraped every 100 ms; pinned to one core when taskset exists',
  };
}

export async function soak(dir: string, pin: readonly string[]) {
  const workloads = Array.from({ length: 8 }, (_, i) => ({ name: `W${i}`, median: 300_000 + i * 250_000 }));
  const perSecond = 8 * 50;
  const lines = perSecond * 3600;
  const recorded = join(dir, 'hour.log');
  generateLog(recorded, lines, workloads, 1e9 / perSecond);
  const target = join(dir, 'soak.log');
  writeFileSync(target, '');
  const s = await startServe(['--source', `file:${target}`, '--log-level', 'info'], pin);
  const pid = s.child.pid as number;
  const replay = spawn(process.execPath, [CLI, 'replay', recorded, '--speed', '60', '--out', target], { stdio: 'ignore' });
  const samples: { t_s: number; rss_mb: number; heap_used_mb: number; lines: number }[] = [];
  const t0 = Date.now();
  const done = new Promise<void>((resolve) => replay.once('exit', () => resolve()));
  let finished = false;
  void done.then(() => {
    finished = true;
  });
  while (!finished) {
    await new Promise((r) => setTimeout(r, 2000));
    const text = await (await fetch(`${s.url}/metrics`)).text();
    samples.push({
      t_s: Math.round((Date.now() - t0) / 1000),
      rss_mb: Number((rssBytes(pid, 'VmRSS') / 2 ** 20).toFixed(1)),
      heap_used_mb: heapUsedMb(text),
      lines: parsedLines(text),
    });
  }
  await new Promise((r) => setTimeout(r, 2000));
  const final = parsedLines(await (await fetch(`${s.url}/metrics`)).text());
  const rss = samples.map((x) => x.rss_mb);
  const quarter = samples[Math.floor(samples.length / 4)]?.rss_mb ?? 0;
  const last = rss[rss.length - 1] ?? 0;
  const peak = rssBytes(pid, 'VmHWM');
  await stop(s);
  return {
    recorded_hours: 1,
    workloads: 8,
    lines,
    lines_counted: final,
    replay_speed: 60,
    wall_seconds: Math.round((Date.now() - t0) / 1000),
    rss_mb_at_quarter: quarter,
    rss_mb_at_end: last,
    rss_mb_min: Math.min(...rss),
    rss_mb_max: Math.max(...rss),
    peak_rss_mb: Number((peak / 2 ** 20).toFixed(1)),
    aim_rss_mb: 60,
    samples,
  };
}

/**
 * /metrics under a scrape storm: 50 clients scraping back to back for 10 s while a writer
 * appends 2,000 lines/s over 16 workloads; scrape latency, answers by status, and the
 * sidecar's peak RSS (issue 15: it was p50 284 ms, p99 3.4 s with client timeouts).
 */
export async function concurrentScrapes(dir: string, pin: readonly string[], clients = 50, seconds = 10) {
  const file = join(dir, 'storm.log');
  writeFileSync(file, '');
  const s = await startServe(['--source', `file:${file}`, '--dcgm-url', 'none'], pin);
  const { appendFileSync } = await import('node:fs');
  let i = 0;
  const base = 1_795_387_891_806_522_966n;
  const writer = setInterval(() => {
    let out = '';
    for (let k = 0; k < 200; k++, i++) {
      const start = base + BigInt(i) * 500_000n;
      out += `KTS_APP,v1,w${i % 16},${i},${start},${start + 600_000n + BigInt((i * 7919) % 400_000)},0.41,\n`;
    }
    appendFileSync(file, out);
  }, 100);
  const times: number[] = [];
  const status: Record<string, number> = {};
  const end = Date.now() + seconds * 1000;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (Date.now() < end) {
        const t0 = process.hrtime.bigint();
        let code = 'timeout';
        try {
          const r = await fetch(`${s.url}/metrics`, { signal: AbortSignal.timeout(5000) });
          await r.text();
          code = String(r.status);
        } catch {
          // counted as a timeout
        }
        times.push(Number(process.hrtime.bigint() - t0) / 1e6);
        status[code] = (status[code] ?? 0) + 1;
      }
    }),
  );
  clearInterval(writer);
  const peak = s.child.pid === undefined ? 0 : rssBytes(s.child.pid, 'VmHWM');
  await stop(s);
  times.sort((a, b) => a - b);
  const at = (q: number) => Number((times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] ?? 0).toFixed(2));
  return {
    clients,
    seconds,
    lines_per_second: 2000,
    scrapes: times.length,
    status,
    p50_ms: at(0.5),
    p99_ms: at(0.99),
    max_ms: at(1),
    peak_rss_bytes: peak,
  };
}
