/**
 * SVG plots, declared as Vega-Lite specifications and rendered headless by Vega (no canvas,
 * no browser): percentile curves solo against shared, p50/p95/p99 bars, and per-iteration
 * latency over time, one file of each per workload.
 */
import * as vega from 'vega';
import type { TopLevelSpec } from 'vega-lite';
import * as vl from 'vega-lite';
import type { WorkloadStats } from '../stats/workload.js';
import type { IterationPoint, PhaseData } from './collect.js';

const PHASE_LABEL = { baseline: 'solo', shared: 'shared' } as const;
const PLOT_CLOCKS = ['device', 'wall', 'queue'] as const;
/** Percentiles on the curve: dense towards the tail. */
const CURVE_QUANTILES = [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.97, 0.98, 0.99, 0.993, 0.995, 0.997, 0.998, 0.999] as const;

export interface Plot {
  file: string;
  spec: TopLevelSpec;
}

/** -log10(1 - q): 1 = p90, 2 = p99, 3 = p99.9. */
const nines = (q: number): number => -Math.log10(1 - q);

function percentileRows(phase: 'baseline' | 'shared', w: WorkloadStats): Record<string, unknown>[] {
  const rows: Record<string, unknown>[] = [];
  for (const clock of PLOT_CLOCKS) {
    const r = w.clocks[clock].read('total', CURVE_QUANTILES, 0);
    CURVE_QUANTILES.forEach((q, i) => {
      const v = r.quantiles[i];
      if (v !== undefined && Number.isFinite(v))
        rows.push({ phase: PHASE_LABEL[phase], clock, nines: nines(q), percentile: q * 100, ms: v / 1e6 });
    });
  }
  return rows;
}

function percentileSpec(workload: string, rows: Record<string, unknown>[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${workload}: latency by percentile, solo vs shared`,
    data: { values: rows },
    facet: { column: { field: 'clock', type: 'nominal', title: 'clock', sort: [...PLOT_CLOCKS] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 260,
      height: 200,
      mark: { type: 'line', point: true },
      encoding: {
        x: {
          field: 'nines',
          type: 'quantitative',
          title: 'percentile',
          axis: { values: [0, 1, 2, 3], labelExpr: "['p0', 'p90', 'p99', 'p99.9'][datum.value]" },
        },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
        color: { field: 'phase', type: 'nominal', sort: ['solo', 'shared'] },
        tooltip: [{ field: 'percentile' }, { field: 'ms' }],
      },
    },
  };
}

function barRows(phase: 'baseline' | 'shared', w: WorkloadStats): Record<string, unknown>[] {
  const qs = [0.5, 0.95, 0.99] as const;
  const rows: Record<string, unknown>[] = [];
  for (const clock of PLOT_CLOCKS) {
    const r = w.clocks[clock].read('total', qs, 0);
    qs.forEach((q, i) => {
      const v = r.quantiles[i];
      if (v !== undefined && Number.isFinite(v)) rows.push({ phase: PHASE_LABEL[phase], clock, quantile: `p${q * 100}`, ms: v / 1e6 });
    });
  }
  return rows;
}

function barSpec(workload: string, rows: Record<string, unknown>[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${workload}: p50 / p95 / p99, solo vs shared`,
    data: { values: rows },
    facet: { column: { field: 'clock', type: 'nominal', title: 'clock', sort: [...PLOT_CLOCKS] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 200,
      height: 200,
      mark: 'bar',
      encoding: {
        x: { field: 'quantile', type: 'nominal', title: null, sort: ['p50', 'p95', 'p99'] },
        xOffset: { field: 'phase', sort: ['solo', 'shared'] },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
        color: { field: 'phase', type: 'nominal', sort: ['solo', 'shared'] },
      },
    },
  };
}

function timelineRows(phase: 'baseline' | 'shared', points: readonly IterationPoint[]): Record<string, unknown>[] {
  return points.flatMap((p) => [
    { phase: PHASE_LABEL[phase], clock: 'device', iteration: p.iteration, ms: p.deviceMs },
    { phase: PHASE_LABEL[phase], clock: 'wall', iteration: p.iteration, ms: p.wallMs },
  ]);
}

function timelineSpec(workload: string, rows: Record<string, unknown>[]): TopLevelSpec {
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `${workload}: latency per iteration`,
    data: { values: rows },
    facet: { row: { field: 'clock', type: 'nominal', title: 'clock', sort: ['device', 'wall'] } },
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 640,
      height: 160,
      mark: { type: 'point', size: 8, filled: true, opacity: 0.6 },
      encoding: {
        x: { field: 'iteration', type: 'quantitative' },
        y: { field: 'ms', type: 'quantitative', title: 'latency (ms)' },
        color: { field: 'phase', type: 'nominal', sort: ['solo', 'shared'] },
      },
    },
  };
}

/** Plot specifications for every workload present in either phase. */
export function plotSpecs(baseline: PhaseData, shared: PhaseData): Plot[] {
  const names = [...new Set([...baseline.engine.workloads.keys(), ...shared.engine.workloads.keys()])].sort();
  const plots: Plot[] = [];
  for (const name of names) {
    const phases = [baseline, shared].filter((p) => p.engine.workloads.has(name));
    const stats = (p: PhaseData): WorkloadStats => p.engine.workloads.get(name) as WorkloadStats;
    const safe = name.replace(/[^A-Za-z0-9_.-]/g, '_');
    plots.push({
      file: `percentiles-${safe}.svg`,
      spec: percentileSpec(
        name,
        phases.flatMap((p) => percentileRows(p.phase, stats(p))),
      ),
    });
    plots.push({
      file: `quantiles-${safe}.svg`,
      spec: barSpec(
        name,
        phases.flatMap((p) => barRows(p.phase, stats(p))),
      ),
    });
    plots.push({
      file: `timeline-${safe}.svg`,
      spec: timelineSpec(
        name,
        phases.flatMap((p) => timelineRows(p.phase, p.series.get(name) ?? [])),
      ),
    });
  }
  return plots;
}

export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const compiled = vl.compile(spec).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}
