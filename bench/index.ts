/**
 * `npm run bench`: prints performance figures as JSON (never asserted in tests).
 *
 * - ingest: parse + record lines/s on one core over a generated file (BENCH_LINES, default
 *   5,000,000), all three clocks recorded, and the child's max RSS;
 * - mtail: the same file through mtail, and the ratio;
 * - accuracy: quantile error against exact nearest-rank quantiles;
 * - metrics_endpoint: /metrics render time with 16 workloads;
 * - detection: contention detection delay on the H100 fixtures, and false alarms on solo data;
 * - detection_arl: the detector's mean run length to a false alarm, simulated (BENCH_ARL_SAMPLES);
 * - side_by_side_mtail: kts serve and mtail following one file at 1, 100, 10,000 lines/s (BENCH_NODE);
 * - sidecar_concurrent_scrapes: /metrics under 50 concurrent clients while ingesting 2,000 lines/s;
 * - sidecar_file_tail: `kts serve` as a process tailing a file, scraped every second;
 * - sidecar_faults: peak RSS of `kts serve` (injected heap limits) through a 50 MB line, an
 *   endless dcgm-exporter body, and N workloads (bench/faults.ts);
 * - sidecar_metrics_http: the bundled sidecar's /metrics over HTTP with 16 workloads (client-timed);
 * - sidecar_soak: RSS while one hour of recorded time is replayed at 60x (BENCH_SOAK=0 skips);
 * - sidecar_soak_live: the injected sidecar for real time, BENCH_SOAK_SECONDS (default one hour),
 *   only with BENCH_SOAK_LIVE=1 (also `node dist/bench/soak-live.js` on its own).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { quantileAccuracy } from './accuracy.js';
import { arlFigures } from './arl.js';
import { detectionFigures } from './detection.js';
import { concurrentScrapes, fileTailIngest, soak } from './e2e.js';
import { faultFigures } from './faults.js';
import { generateLog } from './generate.js';
import { runMtail, which } from './mtail.js';
import { scrapeLatency } from './scrape.js';
import { httpScrapeLatency } from './scrape-http.js';
import { chosenRates, chosenWriters, sideBySide } from './side-by-side.js';
import { liveSoak } from './soak-live.js';

const lines = Number(process.env.BENCH_LINES ?? 5_000_000);
const dir = mkdtempSync(join(tmpdir(), 'kts-bench-'));
const file = join(dir, 'bench.log');
const pin = which('taskset') ? ['taskset', '-c', '0'] : [];

generateLog(file, lines);

const ingestScript = fileURLToPath(new URL('./ingest.js', import.meta.url));
const runs = Number(process.env.BENCH_RUNS ?? 3);
const ingest: Record<string, number>[] = [];
for (let i = 0; i < runs; i++) {
  const r = spawnSync(pin[0] ?? process.execPath, [...pin.slice(1), ...(pin.length > 0 ? [process.execPath] : []), ingestScript, file], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`ingest failed: ${r.stderr}`);
  ingest.push(JSON.parse(r.stdout) as Record<string, number>);
}
const best = ingest.reduce((a, b) => ((b.lines_per_second ?? 0) > (a.lines_per_second ?? 0) ? b : a));
const mtail = runMtail(file, lines, pin);

const result = {
  node: process.version,
  machine: { pinned_to_one_core: pin.length > 0 },
  file: { lines, bytes: statSync(file).size },
  ingest: {
    lines_per_second: best.lines_per_second,
    median_lines_per_second: [...ingest.map((r) => r.lines_per_second ?? 0)].sort((a, b) => a - b)[Math.floor(ingest.length / 2)],
    runs: ingest.map((r) => r.lines_per_second),
    max_rss_bytes: Math.max(...ingest.map((r) => r.max_rss_bytes ?? 0)),
    clocks_recorded: ['device', 'wall', 'queue'],
    aim_lines_per_second: 1_500_000,
  },
  mtail: {
    ...mtail,
    ...(mtail.lines_per_second !== undefined && best.lines_per_second !== undefined
      ? { kts_to_mtail_ratio_best: Number((best.lines_per_second / mtail.lines_per_second).toFixed(2)) }
      : {}),
  },
  accuracy: quantileAccuracy(),
  metrics_endpoint: { ...(await scrapeLatency()), aim_ms: 5 },
  detection: await detectionFigures(),
  detection_arl: arlFigures(),
  sidecar_concurrent_scrapes: await concurrentScrapes(dir, pin),
  side_by_side_mtail: await sideBySide(chosenRates(), chosenWriters()),
  sidecar_file_tail: await fileTailIngest(dir, Number(process.env.BENCH_E2E_LINES ?? 2_000_000), pin),
  sidecar_faults: await faultFigures(),
  sidecar_metrics_http: await httpScrapeLatency(),
  ...(process.env.BENCH_SOAK === '0' ? {} : { sidecar_soak: await soak(dir, pin) }),
  ...(process.env.BENCH_SOAK_LIVE === '1' ? { sidecar_soak_live: await liveSoak() } : {}),
};
if (existsSync(dir)) rmSync(dir, { recursive: true, force: true });
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
