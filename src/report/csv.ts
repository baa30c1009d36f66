/** summary.csv: one row per workload x phase x clock, the columns of summary.json's stats. */
import type { StatsRow } from './summary.js';

const COLUMNS: readonly (keyof StatsRow)[] = [
  'workload',
  'phase',
  'clock',
  'count',
  'p50_ms',
  'p95_ms',
  'p99_ms',
  'p999_ms',
  'max_ms',
  'mean_ms',
  'jitter',
  'throughput_proxy_ips',
];

function cell(v: string | number): string {
  if (typeof v === 'number') return Number.isFinite(v) ? String(v) : '';
  return /[",\n]/.test(v) ? `"${v.replaceAll('"', '""')}"` : v;
}

export function statsCsv(rows: readonly StatsRow[]): string {
  const lines = [COLUMNS.join(',')];
  for (const r of rows) lines.push(COLUMNS.map((c) => cell(r[c])).join(','));
  return `${lines.join('\n')}\n`;
}
