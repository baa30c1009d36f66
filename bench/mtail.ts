/**
 * The nearest existing tool, measured side by side: mtail (Debian package) with a program
 * that histograms the device latency per workload, reading the same file once, on one core.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const MTAIL_PROGRAM = `histogram kts_device_latency_ms by workload buckets 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 50, 100

/^KTS_APP,v1,(?P<workload>[A-Za-z0-9_.-]+),\\d+,\\d+,\\d+,(?P<device>\\d+\\.\\d+)/ {
  kts_device_latency_ms[$workload] = $device
}
`;

export interface MtailFigures {
  available: boolean;
  version?: string;
  seconds?: number;
  lines_per_second?: number;
  counted?: number;
  note?: string;
}

export function which(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
}

export function runMtail(file: string, lines: number, pin: string[]): MtailFigures {
  if (!which('mtail')) return { available: false, note: 'mtail not installed (apt-get install mtail)' };
  const dir = mkdtempSync(join(tmpdir(), 'kts-mtail-'));
  writeFileSync(join(dir, 'kts.mtail'), MTAIL_PROGRAM);
  const version = spawnSync('mtail', ['--version'], { encoding: 'utf8' }).stdout.split('\n')[0] ?? '';
  const t0 = process.hrtime.bigint();
  const r = spawnSync(
    pin[0] ?? 'mtail',
    [
      ...pin.slice(1),
      ...(pin.length > 0 ? ['mtail'] : []),
      '--progs',
      dir,
      '--logs',
      file,
      '--one_shot',
      '--one_shot_format',
      'prometheus',
    ],
    { encoding: 'utf8', env: { ...process.env, GOMAXPROCS: '1' }, maxBuffer: 64 << 20 },
  );
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  let counted = 0;
  for (const m of r.stdout.matchAll(/^kts_device_latency_ms_count\{[^}]*\} (\S+)/gm)) counted += Number(m[1]);
  return { available: true, version, seconds, lines_per_second: Math.round(lines / seconds), counted };
}
