/**
 * /metrics of the sidecar itself over HTTP with 16 workloads (issue 17): the bundle on
 * BENCH_NODE with the injected NODE_OPTIONS, a baseline for every workload (captured with
 * `kts baseline capture` from the same kind of log), 320,000 lines read, then 200 scrapes
 * 250 ms apart (past the scrape cache, so each renders), timed at the client.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { generateLog } from './generate.js';
import { BUNDLE, sidecarEnv } from './sidecar.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function httpScrapeLatency(workloads = 16, perWorkload = 20_000, scrapes = 200, port = 19_870) {
  const dir = mkdtempSync(join(tmpdir(), 'kts-scrape-'));
  const names = Array.from({ length: workloads }, (_, w) => ({ name: `workload-${w}`, median: 300_000 + w * 100_000 }));
  const log = join(dir, 'app.log');
  generateLog(log, workloads * perWorkload, names);
  const baseline = join(dir, 'baseline.json');
  const node = process.env.BENCH_NODE ?? process.execPath;
  const cap = spawnSync(node, [BUNDLE, 'baseline', 'capture', '--from', log, '--profile', 'bench', '--out', baseline], {
    encoding: 'utf8',
  });
  if (cap.status !== 0) throw new Error(`baseline capture failed: ${cap.stderr}`);
  const kts = spawn(
    node,
    [
      BUNDLE,
      'serve',
      '--source',
      `file:${log}`,
      '--from-beginning',
      '--baseline',
      baseline,
      '--listen',
      `127.0.0.1:${port}`,
      '--dcgm-url',
      'none',
    ],
    { stdio: 'ignore', env: sidecarEnv() },
  );
  const url = `http://127.0.0.1:${port}/metrics`;
  try {
    let text = '';
    for (let i = 0; i < 600; i++) {
      text = (await (await fetch(url).catch(() => undefined))?.text()) ?? '';
      const m = /^kts_lines_total\{result="parsed"\} (\d+)/m.exec(text);
      if (m !== null && Number(m[1]) >= workloads * perWorkload) break;
      await sleep(250);
    }
    for (let i = 0; i < 20; i++) {
      await (await fetch(url)).text(); // warm up the JIT
      await sleep(260);
    }
    const times: number[] = [];
    let bytes = 0;
    for (let i = 0; i < scrapes; i++) {
      await sleep(260);
      const t0 = process.hrtime.bigint();
      bytes = (await (await fetch(url)).text()).length;
      times.push(Number(process.hrtime.bigint() - t0) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => Number((times[Math.min(times.length - 1, Math.ceil(q * times.length) - 1)] as number).toFixed(2));
    return {
      workloads,
      lines: workloads * perWorkload,
      scrapes,
      p50_ms: at(0.5),
      p99_ms: at(0.99),
      max_ms: at(1),
      bytes,
      aim: { p50_ms: 5, p99_ms: 10 },
    };
  } finally {
    kts.kill('SIGINT');
    await sleep(1000);
  }
}

if (process.argv[1] === fileURLToPath(import.meta.url)) process.stdout.write(`${JSON.stringify(await httpScrapeLatency(), null, 2)}\n`);
