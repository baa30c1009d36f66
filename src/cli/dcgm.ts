/** Wires `kts dcgm record`: timestamped dcgm-exporter scrapes as JSON lines. */
import { createWriteStream } from 'node:fs';
import { finished } from 'node:stream/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { recordDcgm } from '../dcgm/record.js';
import { requireFlags } from './errors.js';

function positiveInt(min: number) {
  return (v: string): number => {
    const n = Number(v);
    if (!/^\d+$/.test(v) || n < min) throw new InvalidArgumentError(`expected an integer >= ${min}`);
    return n;
  };
}

export function registerDcgm(program: Command, print: (line: string) => void): void {
  const dcgm = program.command('dcgm').description('dcgm-exporter tools');
  dcgm
    .command('record')
    .description('scrape a dcgm-exporter into a JSONL file for `kts report --dcgm` (stops on SIGINT/SIGTERM or after --duration)')
    .option('--url <url>', 'dcgm-exporter metrics URL (required), e.g. http://localhost:9400/metrics')
    .option('--out <file>', 'JSONL file to write (required)')
    .option('--interval-ms <ms>', 'scrape interval', positiveInt(50), 100)
    .option('--timeout-ms <ms>', 'scrape timeout', positiveInt(10), 1000)
    .option('--duration <s>', 'stop after this many seconds', positiveInt(1))
    .action(async (given: { url?: string; out?: string; intervalMs: number; timeoutMs: number; duration?: number }) => {
      const { url, out } = requireFlags(given, ['url', 'out']);
      const stream = createWriteStream(out);
      const abort = new AbortController();
      const stop = () => abort.abort();
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      const r = await recordDcgm({
        url,
        intervalMs: given.intervalMs,
        timeoutMs: given.timeoutMs,
        out: stream,
        signal: abort.signal,
        ...(given.duration !== undefined ? { durationMs: given.duration * 1000 } : {}),
      });
      stream.end();
      await finished(stream);
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      print(`wrote ${r.records} scrapes (${r.errors} failed) to ${out}`);
    });
}
