/** Builds the summary.json document (interfaces.md section 3) from collected phases. */

import { CLOCKS, type Clock } from '../stats/clocks.js';
import { type Degradation, degradation } from '../stats/degradation.js';
import type { LatencySummary } from '../stats/summary.js';
import type { Phase, PhaseData } from './collect.js';
import type { CostRow } from './cost.js';
import type { DcgmJoinRow } from './dcgm.js';

export interface StatsRow {
  workload: string;
  phase: Phase;
  clock: Clock;
  count: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  p999_ms: number;
  max_ms: number;
  mean_ms: number;
  jitter: number;
  throughput_proxy_ips: number;
}

export interface DegradationRow {
  workload: string;
  clock: Clock;
  df_p99: number;
  df_p50: number;
  jitter_baseline: number;
  jitter_shared: number;
  throughput_change: number;
}

export interface SummaryDocument {
  generated_at: string;
  warmup_iterations: number;
  inputs: { baseline: string[]; shared: string[] };
  lines: Record<Phase, { parsed: number; ignored: number; malformed: number; malformed_by_reason: Record<string, number> }>;
  stats: StatsRow[];
  degradation: DegradationRow[];
  /** Per-iteration join with dcgm-exporter records (`--dcgm`); absent without them. */
  dcgm?: DcgmJoinRow[];
  /** GPU time per workload and phase (`--cost`); absent without it. */
  cost?: CostRow[];
}

/** Milliseconds to the nanosecond; ratios to six decimals. JSON has no NaN: null stands in. */
function round(v: number): number {
  return Math.round(v * 1e6) / 1e6;
}

function statsRow(workload: string, phase: Phase, clock: Clock, s: LatencySummary): StatsRow {
  return {
    workload,
    phase,
    clock,
    count: s.count,
    p50_ms: round(s.p50Ms),
    p95_ms: round(s.p95Ms),
    p99_ms: round(s.p99Ms),
    p999_ms: round(s.p999Ms),
    max_ms: round(s.maxMs),
    mean_ms: round(s.meanMs),
    jitter: round(s.jitter),
    throughput_proxy_ips: round(s.throughputProxyIps),
  };
}

function degradationRow(workload: string, clock: Clock, d: Degradation): DegradationRow {
  return {
    workload,
    clock,
    df_p99: round(d.dfP99),
    df_p50: round(d.dfP50),
    jitter_baseline: round(d.jitterBaseline),
    jitter_shared: round(d.jitterShared),
    throughput_change: round(d.throughputChange),
  };
}

/** Summaries per workload and clock for one phase, workloads sorted by name. */
export function phaseSummaries(data: PhaseData): Map<string, Record<Clock, LatencySummary>> {
  const out = new Map<string, Record<Clock, LatencySummary>>();
  const names = [...data.engine.workloads.keys()].sort();
  for (const name of names) {
    const w = data.engine.workloads.get(name);
    if (w !== undefined) out.set(name, w.summaries('total', 0));
  }
  return out;
}

export interface ReportModel {
  baseline: Map<string, Record<Clock, LatencySummary>>;
  shared: Map<string, Record<Clock, LatencySummary>>;
  degradation: Map<string, Record<Clock, Degradation>>;
}

export function buildModel(baseline: PhaseData, shared: PhaseData): ReportModel {
  const b = phaseSummaries(baseline);
  const s = phaseSummaries(shared);
  const d = new Map<string, Record<Clock, Degradation>>();
  for (const [name, sharedClocks] of s) {
    const baseClocks = b.get(name);
    if (baseClocks === undefined) continue;
    const perClock = {} as Record<Clock, Degradation>;
    for (const c of CLOCKS) perClock[c] = degradation(baseClocks[c], sharedClocks[c]);
    d.set(name, perClock);
  }
  return { baseline: b, shared: s, degradation: d };
}

function lineStats(p: PhaseData): SummaryDocument['lines'][Phase] {
  return {
    parsed: p.counters.parsed,
    ignored: p.counters.ignored,
    malformed: p.counters.malformed,
    malformed_by_reason: p.counters.reasons(),
  };
}

export function buildSummary(
  model: ReportModel,
  baseline: PhaseData,
  shared: PhaseData,
  warmupIterations: number,
  now: Date,
): SummaryDocument {
  const stats: StatsRow[] = [];
  for (const [phase, perWorkload] of [
    ['baseline', model.baseline],
    ['shared', model.shared],
  ] as const) {
    for (const [name, clocks] of perWorkload) for (const c of CLOCKS) stats.push(statsRow(name, phase, c, clocks[c]));
  }
  const rows: DegradationRow[] = [];
  for (const [name, clocks] of model.degradation) for (const c of CLOCKS) rows.push(degradationRow(name, c, clocks[c]));
  return {
    generated_at: now.toISOString(),
    warmup_iterations: warmupIterations,
    inputs: { baseline: baseline.files, shared: shared.files },
    lines: { baseline: lineStats(baseline), shared: lineStats(shared) },
    stats,
    degradation: rows,
  };
}
