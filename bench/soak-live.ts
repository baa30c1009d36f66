/**
 * The sidecar as the injector runs it, for real time (issue 17): the bundle on BENCH_NODE with
 * the injected NODE_OPTIONS and environment, following a file that 4 workloads append to one
 * line per write (as the emitters flush) at BENCH_SOAK_RATE lines/s in all (default 100),
 * scraped every 15 s as Prometheus does, and scraping a dcgm-exporter of an 8-GPU node
 * time-sliced 4 ways (32 pods) at the default 1 s interval. RSS is sampled every 10 s for
 * BENCH_SOAK_SECONDS (default 3600). Prints JSON; `node dist/bench/soak-live.js`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { dcgmText } from '../test/dcgm/fake-dcgm.js';
import { appLine, BUNDLE, cpuSeconds, memMb, sidecarEnv } from './sidecar.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const round = (v: number) => Number(v.toFixed(1));

export async function liveSoak(
  seconds = Number(process.env.BENCH_SOAK_SECONDS ?? 3600),
  rate = Number(process.env.BENCH_SOAK_RATE ?? 100),
) {
  const dir = mkdtempSync(join(tmpdir(), 'kts-soak-'));
  const file = join(dir, 'app.log');
  writeFileSync(file, '');
  const gpus = Array.from({ length: 8 }, (_, i) => ({
    index: i,
    uuid: `GPU-${String(i).repeat(8)}-0000-0000-0000-000000000000`,
    pods: Array.from({ length: 4 }, (_, k) => `team-${k}/worker-${i}-${k}`),
  }));
  const body = dcgmText(gpus);
  let dcgmScrapes = 0;
  const dcgm = createServer((_req, res) => {
    dcgmScrapes++;
    res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
  });
  await new Promise<void>((r) => dcgm.listen(0, '127.0.0.1', r));
  const dcgmUrl = `http://127.0.0.1:${(dcgm.address() as AddressInfo).port}/metrics`;
  const port = Number(process.env.BENCH_SOAK_PORT ?? 19_880);
  const withDcgm = process.env.BENCH_SOAK_DCGM !== '0';
  const node = process.env.BENCH_NODE ?? process.execPath;
  const kts: ChildProcess = spawn(node, [BUNDLE, 'serve', '--source', `file:${file}`, '--listen', `127.0.0.1:${port}`], {
    stdio: 'ignore',
    env: sidecarEnv({
      KTS_DCGM_URL: withDcgm ? dcgmUrl : 'none',
      POD_NAME: 'worker-0-0',
      POD_NAMESPACE: 'team-0',
      KTS_POD_SIGNALS: 'false',
    }),
  });
  const pid = kts.pid as number;
  const samples: { t_s: number; rss_mb: number; anon_mb: number; file_mb: number; heap_used_mb?: number; heap_total_mb?: number }[] = [];
  const scrapeMs: number[] = [];
  let written = 0;
  try {
    for (let i = 0; i < 200; i++) {
      if ((await fetch(`http://127.0.0.1:${port}/livez`).catch(() => undefined))?.ok) break;
      await sleep(50);
    }
    const t0 = Date.now();
    const cpu0 = cpuSeconds(pid);
    let nextSample = t0;
    let nextScrape = t0 + 15_000;
    const gap = 1000 / rate;
    let due = t0;
    while (Date.now() - t0 < seconds * 1000) {
      const now = Date.now();
      // One write per line, as a flushing emitter does; catch up if the timer was late.
      for (; due <= now; due += gap, written++) {
        appendFileSync(file, appLine(written));
      }
      if (now >= nextSample) {
        nextSample += 10_000;
        samples.push({
          t_s: Math.round((now - t0) / 1000),
          rss_mb: memMb(pid, 'VmRSS'),
          anon_mb: memMb(pid, 'RssAnon'),
          file_mb: memMb(pid, 'RssFile'),
        });
      }
      if (now >= nextScrape) {
        nextScrape += 15_000;
        const ts = process.hrtime.bigint();
        const body = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        scrapeMs.push(Number(process.hrtime.bigint() - ts) / 1e6);
        const last = samples[samples.length - 1];
        const mb = (name: string) => round(Number(new RegExp(`^${name} (\\S+)`, 'm').exec(body)?.[1] ?? 0) / 2 ** 20);
        if (last !== undefined) {
          last.heap_used_mb = mb('nodejs_heap_size_used_bytes');
          last.heap_total_mb = mb('nodejs_heap_size_total_bytes');
        }
      }
      await sleep(Math.max(1, Math.min(due, nextSample, nextScrape) - Date.now()));
    }
    const elapsed = (Date.now() - t0) / 1000;
    const cpu = cpuSeconds(pid) - cpu0;
    await sleep(1000);
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const counted = Number(/^kts_lines_total\{result="parsed"\} (\d+)/m.exec(text)?.[1] ?? 0);
    const rss = samples.map((s) => s.rss_mb);
    const sorted = [...scrapeMs].sort((a, b) => a - b);
    return {
      seconds: round(elapsed),
      lines_per_second: rate,
      lines_written: written,
      lines_counted: counted,
      dcgm: withDcgm,
      dcgm_scrapes_answered: dcgmScrapes,
      dcgm_body_bytes: body.length,
      cpu_share_of_a_core: Number((cpu / elapsed).toFixed(4)),
      rss_mb_first: rss[0] ?? 0,
      rss_mb_min: Math.min(...rss),
      rss_mb_max: Math.max(...rss),
      rss_mb_last: rss[rss.length - 1] ?? 0,
      peak_rss_mb: memMb(pid, 'VmHWM'),
      aim_rss_mb: 70,
      metrics_scrapes: scrapeMs.length,
      metrics_ms_p50: round(sorted[Math.floor(sorted.length / 2)] ?? 0),
      metrics_ms_max: round(sorted[sorted.length - 1] ?? 0),
      node: node,
      samples,
    };
  } finally {
    kts.kill('SIGTERM');
    dcgm.close();
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify(await liveSoak(), null, 2)}\n`);
