/**
 * `kts replay`: re-emits recorded logs with their original timing (scaled by --speed), for
 * demos, soak runs and tests: `kts replay shared-fft.log --speed 10 --out /logs/app.log`.
 */
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Command, InvalidArgumentError } from 'commander';
import { expandInputs, InputError } from '../io/inputs.js';
import { LineDecoder } from '../line/decoder.js';
import { endEpochSeconds } from '../line/types.js';
import { UsageError } from './errors.js';

function speed(value: string): number {
  if (value === 'max') return Number.POSITIVE_INFINITY;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number or 'max', got '${value}'`);
  return n;
}

/** Writes `lines` to `out`, each when its iteration ended (relative to the first), divided by `factor`. */
export async function replayLines(lines: readonly string[], out: Writable, factor: number): Promise<number> {
  let when = Number.NaN;
  const decoder = new LineDecoder((s) => {
    when = endEpochSeconds(s);
  });
  let first = Number.NaN;
  const start = Date.now();
  let written = 0;
  for (const line of lines) {
    when = Number.NaN;
    decoder.pushLine(line);
    if (Number.isFinite(when) && Number.isFinite(factor)) {
      if (Number.isNaN(first)) first = when;
      const due = start + ((when - first) * 1000) / factor;
      const wait = due - Date.now();
      if (wait > 1) await sleep(wait);
    }
    if (!out.write(`${line}\n`)) await once(out, 'drain');
    written++;
  }
  return written;
}

export function registerReplay(program: Command, print: (line: string) => void): void {
  program
    .command('replay')
    .description('re-emit recorded KTS_APP logs with their original timing, scaled')
    .argument('<path...>', 'recorded logs: files or directories')
    .option('--speed <x>', "time scale: 2 = twice as fast, 'max' = no waiting", speed, 1)
    .option('--out <file>', 'append to this file instead of writing to stdout')
    .action(async (paths: string[], flags: { speed: number; out?: string }) => {
      let files: string[];
      try {
        files = await expandInputs(paths);
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(err.message);
        throw err;
      }
      const out: Writable = flags.out === undefined ? process.stdout : createWriteStream(flags.out, { flags: 'a' });
      let n = 0;
      for (const f of files) {
        const text = await readFile(f, 'utf8');
        const lines = text.split('\n');
        if (lines[lines.length - 1] === '') lines.pop();
        n += await replayLines(lines, out, flags.speed);
      }
      if (flags.out !== undefined) {
        out.end();
        await once(out, 'finish');
        print(`replayed ${n} lines into ${flags.out}`);
      }
    });
}
