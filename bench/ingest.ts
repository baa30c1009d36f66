/**
 * Child process of the benchmark: parse + record a log file on one thread, exactly as the
 * sidecar's hot path does (decoder -> statistics engine, all three clocks, 10 s windows),
 * and print the figures as JSON. Reads synchronously so no other thread does the work.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { LineDecoder } from '../src/line/decoder.js';
import { StatsEngine } from '../src/stats/engine.js';

const path = process.argv[2];
if (path === undefined) throw new Error('usage: ingest <file>');

const engine = new StatsEngine({ warmupIterations: 0 });
let now = Date.now();
const decoder = new LineDecoder((s) => {
  engine.ingest(s, now);
});
const buf = Buffer.allocUnsafe(1 << 20);
const fd = openSync(path, 'r');
const t0 = process.hrtime.bigint();
const cpu0 = process.cpuUsage();
for (;;) {
  const n = readSync(fd, buf, 0, buf.length, null);
  if (n === 0) break;
  now = Date.now();
  decoder.push(buf.subarray(0, n));
}
decoder.end();
const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
const cpu = process.cpuUsage(cpu0);
closeSync(fd);
const lines = decoder.counters.parsed + decoder.counters.ignored + decoder.counters.malformed;
process.stdout.write(
  `${JSON.stringify({
    lines,
    parsed: decoder.counters.parsed,
    seconds,
    cpu_seconds: (cpu.user + cpu.system) / 1e6,
    lines_per_second: Math.round(lines / seconds),
    max_rss_bytes: process.resourceUsage().maxRSS * 1024,
    workloads: engine.workloads.size,
  })}\n`,
);
