/**
 * results.md: the seed article's tables (solo against shared, per clock) and one plain
 * sentence per workload saying which clock shows the contention and by how much.
 */

import type { Clock } from '../stats/clocks.js';
import type { Degradation } from '../stats/degradation.js';
import type { LatencySummary } from '../stats/summary.js';
import { type CostRow, costMarkdown } from './cost.js';
import { type DcgmJoinRow, dcgmMarkdown } from './dcgm.js';
import type { ReportModel } from './summary.js';

/** A DF at or above this counts as visible contention in the verdict sentence. */
export const VISIBLE_DF = 1.1;

const ms = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(3)} ms` : 'n/a');
const x = (v: number): string => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const num = (v: number, d = 2): string => (Number.isFinite(v) ? v.toFixed(d) : 'n/a');
const pct = (v: number): string => (Number.isFinite(v) ? `${v >= 0 ? '+' : '−'}${Math.abs(v * 100).toFixed(1)}%` : 'n/a');

function change(solo: number, shared: number): string {
  return Number.isFinite(solo) && solo > 0 && Number.isFinite(shared) ? x(shared / solo) : 'n/a';
}

function workloadTable(solo: Record<Clock, LatencySummary>, shared: Record<Clock, LatencySummary>): string[] {
  const rows: string[] = ['| Metric | Solo | Shared | Change |', '|---|---|---|---|'];
  for (const clock of ['device', 'wall'] as const) {
    const a = solo[clock];
    const b = shared[clock];
    rows.push(`| ${clock} p50 | ${ms(a.p50Ms)} | ${ms(b.p50Ms)} | ${change(a.p50Ms, b.p50Ms)} |`);
    rows.push(`| ${clock} p95 | ${ms(a.p95Ms)} | ${ms(b.p95Ms)} | ${change(a.p95Ms, b.p95Ms)} |`);
    rows.push(`| ${clock} p99 | ${ms(a.p99Ms)} | ${ms(b.p99Ms)} | ${change(a.p99Ms, b.p99Ms)} |`);
    rows.push(`| ${clock} jitter (p99/p50) | ${num(a.jitter)} | ${num(b.jitter)} | ${change(a.jitter, b.jitter)} |`);
  }
  const qa = solo.queue;
  const qb = shared.queue;
  rows.push(`| queueing delay p50 | ${ms(qa.p50Ms)} | ${ms(qb.p50Ms)} | ${change(qa.p50Ms, qb.p50Ms)} |`);
  rows.push(`| queueing delay p99 | ${ms(qa.p99Ms)} | ${ms(qb.p99Ms)} | ${change(qa.p99Ms, qb.p99Ms)} |`);
  const ta = solo.device.throughputProxyIps;
  const tb = shared.device.throughputProxyIps;
  rows.push(`| throughput proxy, device (iter/s) | ${num(ta, 1)} | ${num(tb, 1)} | ${pct(tb / ta - 1)} |`);
  const wa = solo.wall.throughputProxyIps;
  const wb = shared.wall.throughputProxyIps;
  rows.push(`| throughput proxy, wall (iter/s) | ${num(wa, 1)} | ${num(wb, 1)} | ${pct(wb / wa - 1)} |`);
  rows.push(`| iterations counted | ${solo.device.count} | ${shared.device.count} | |`);
  return rows;
}

/** The one-sentence verdict for a workload. */
export function verdict(
  workload: string,
  d: Record<Clock, Degradation>,
  solo: Record<Clock, LatencySummary>,
  shared: Record<Clock, LatencySummary>,
): string {
  const dev = d.device.dfP99;
  const wall = d.wall.dfP99;
  const devSeen = dev >= VISIBLE_DF;
  const wallSeen = wall >= VISIBLE_DF;
  const wallFig = `wall p99 ${ms(solo.wall.p99Ms)} → ${ms(shared.wall.p99Ms)}`;
  const devFig = `device p99 ${ms(solo.device.p99Ms)} → ${ms(shared.device.p99Ms)}`;
  if (wallSeen && !devSeen) {
    return (
      `**${workload}**: only the wall clock shows the contention: p99 grew ${x(wall)} (${wallFig}) while the device clock ` +
      `moved ${x(dev)} (${devFig}); the time is lost waiting before the kernel starts ` +
      `(queueing delay p99 ${ms(solo.queue.p99Ms)} → ${ms(shared.queue.p99Ms)}), so a device-clock view would miss it.`
    );
  }
  if (wallSeen && devSeen) {
    return `**${workload}**: both clocks show the contention: p99 grew ${x(dev)} on the device clock (${devFig}) and ${x(wall)} on the wall clock (${wallFig}).`;
  }
  if (devSeen) {
    return `**${workload}**: the device clock shows the contention: p99 grew ${x(dev)} (${devFig}); the wall clock moved ${x(wall)} (${wallFig}).`;
  }
  return `**${workload}**: neither clock shows contention above ${x(VISIBLE_DF)}: p99 moved ${x(dev)} on the device clock and ${x(wall)} on the wall clock.`;
}

export function resultsMarkdown(
  model: ReportModel,
  opts: {
    warmupIterations: number;
    generatedAt: Date;
    plots: readonly string[];
    dcgm?: readonly DcgmJoinRow[];
    cost?: { rows: readonly CostRow[]; pricePerGpuHour: number | undefined };
  },
): string {
  const out: string[] = ['# GPU sharing: solo against shared', ''];
  out.push(
    `Generated ${opts.generatedAt.toISOString()} by \`kts report\`. Iterations below ${opts.warmupIterations} and ` +
      '`phase=warmup` lines are dropped. DF (degradation factor) = shared p99 / solo p99 of the same workload and clock; ' +
      'jitter = p99 / p50; throughput proxy = 1000 / mean latency (ms).',
    '',
    '## Degradation factor',
    '',
    '| Workload | DF p99 device | DF p99 wall | DF p99 queueing | DF p50 wall | jitter wall solo → shared | throughput change (wall) |',
    '|---|---|---|---|---|---|---|',
  );
  for (const [name, d] of model.degradation) {
    out.push(
      `| ${name} | ${num(d.device.dfP99, 3)} | ${num(d.wall.dfP99, 3)} | ${num(d.queue.dfP99, 3)} | ${num(d.wall.dfP50, 3)} | ` +
        `${num(d.wall.jitterBaseline)} → ${num(d.wall.jitterShared)} | ${pct(d.wall.throughputChange)} |`,
    );
  }
  out.push('', '## What the clocks say', '');
  for (const [name, d] of model.degradation) {
    const solo = model.baseline.get(name);
    const shared = model.shared.get(name);
    if (solo !== undefined && shared !== undefined) out.push(`- ${verdict(name, d, solo, shared)}`);
  }
  const unmatched = [...new Set([...model.baseline.keys(), ...model.shared.keys()])].filter((n) => !model.degradation.has(n));
  for (const name of unmatched) {
    const where = model.baseline.has(name) ? 'solo' : 'shared';
    out.push(`- **${name}**: only present in the ${where} logs, so no degradation factor.`);
  }
  for (const name of model.degradation.keys()) {
    const solo = model.baseline.get(name);
    const shared = model.shared.get(name);
    if (solo !== undefined && shared !== undefined) out.push('', `## ${name}`, '', ...workloadTable(solo, shared));
  }
  if (opts.dcgm !== undefined && opts.dcgm.length > 0) out.push('', ...dcgmMarkdown(opts.dcgm));
  if (opts.cost !== undefined) out.push('', ...costMarkdown(opts.cost.rows, opts.cost.pricePerGpuHour));
  if (opts.plots.length > 0) {
    out.push('', '## Plots', '');
    for (const p of opts.plots) out.push(`![${p}](${p})`);
  }
  out.push('');
  return out.join('\n');
}
