/**
 * `kts report --dcgm <file>`: joins every recorded iteration to the dcgm scrape covering it
 * (the first scrape answered at or after the iteration's end, within `maxGapS`), as the seed
 * experiment joined its 100 ms DCGM samples, and summarises per workload and phase: SM
 * activity and utilisation while it ran, co-tenants, p99 while alone vs shared, and the rank
 * correlation of wall latency with SM activity.
 */
import { readFile } from 'node:fs/promises';
import type { DcgmRecord, RecordedGpu } from '../dcgm/record.js';
import { ExactQuantiles } from '../stats/exact.js';
import { spearman } from '../stats/rank.js';
import type { IterationPoint, Phase, PhaseData } from './collect.js';

export interface DcgmJoinRow {
  workload: string;
  phase: Phase;
  gpu_uuid: string;
  iterations: number;
  joined: number;
  sm_active_mean: number | null;
  gpu_utilization_mean: number | null;
  pods_sharing_max: number | null;
  wall_p99_ms_alone: number | null;
  wall_p99_ms_shared: number | null;
  wall_sm_active_spearman: number | null;
}

export class DcgmInputError extends Error {}

export async function loadDcgmRecords(path: string): Promise<DcgmRecord[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new DcgmInputError(`cannot read ${path}: ${(err as Error).message}`);
  }
  const records: DcgmRecord[] = [];
  let lineNo = 0;
  for (const line of text.split('\n')) {
    lineNo++;
    if (line.trim() === '') continue;
    let r: unknown;
    try {
      r = JSON.parse(line);
    } catch {
      throw new DcgmInputError(`${path}:${lineNo} is not JSON (expected kts dcgm record output)`);
    }
    const t = (r as { t?: unknown }).t;
    if (typeof t !== 'number') throw new DcgmInputError(`${path}:${lineNo} has no numeric "t"`);
    records.push(r as DcgmRecord);
  }
  return records.sort((a, b) => a.t - b.t);
}

/** The GPU to join against: the one given, else the only one recorded. */
export function pickGpu(records: readonly DcgmRecord[], uuid?: string): string {
  const seen = new Set<string>();
  for (const r of records) for (const g of r.gpus ?? []) if (g.mig_instance === '') seen.add(g.uuid);
  if (uuid !== undefined) {
    if (!seen.has(uuid)) throw new DcgmInputError(`GPU ${uuid} is not in the dcgm records (${[...seen].join(', ') || 'none'})`);
    return uuid;
  }
  if (seen.size === 1) return [...seen][0] as string;
  throw new DcgmInputError(
    seen.size === 0
      ? 'the dcgm records hold no GPU reading'
      : `the dcgm records hold ${seen.size} GPUs; pick one with --gpu-uuid (${[...seen].join(', ')})`,
  );
}

const r6 = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null);

function covering(records: readonly DcgmRecord[], uuid: string, t: number, maxGapS: number): RecordedGpu | undefined {
  let lo = 0;
  let hi = records.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if ((records[mid] as DcgmRecord).t < t) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < records.length; i++) {
    const r = records[i] as DcgmRecord;
    if (r.t - t > maxGapS) return undefined;
    const g = r.gpus?.find((x) => x.uuid === uuid && x.mig_instance === '');
    if (g !== undefined) return g;
  }
  return undefined;
}

function joinWorkload(
  workload: string,
  phase: Phase,
  points: readonly IterationPoint[],
  records: readonly DcgmRecord[],
  uuid: string,
  maxGapS: number,
): DcgmJoinRow {
  const wall: number[] = [];
  const sm: number[] = [];
  const util: number[] = [];
  const alone: number[] = [];
  const shared: number[] = [];
  let podsMax = Number.NaN;
  let joined = 0;
  for (const p of points) {
    const g = covering(records, uuid, p.endEpoch, maxGapS);
    if (g === undefined) continue;
    joined++;
    const s = g.values.sm_active_ratio;
    if (s !== undefined) {
      wall.push(p.wallMs);
      sm.push(s);
    }
    if (g.values.utilization_ratio !== undefined) util.push(g.values.utilization_ratio);
    if (g.pods.length > 0) {
      podsMax = Number.isNaN(podsMax) ? g.pods.length : Math.max(podsMax, g.pods.length);
      (g.pods.length > 1 ? shared : alone).push(p.wallMs);
    }
  }
  const mean = (a: readonly number[]) => (a.length === 0 ? Number.NaN : a.reduce((x, y) => x + y, 0) / a.length);
  const p99 = (a: number[]) => new ExactQuantiles(a).quantile(0.99);
  return {
    workload,
    phase,
    gpu_uuid: uuid,
    iterations: points.length,
    joined,
    sm_active_mean: r6(mean(sm)),
    gpu_utilization_mean: r6(mean(util)),
    pods_sharing_max: Number.isNaN(podsMax) ? null : podsMax,
    wall_p99_ms_alone: r6(p99(alone)),
    wall_p99_ms_shared: r6(p99(shared)),
    wall_sm_active_spearman: r6(spearman(wall, sm)),
  };
}

export function joinDcgm(phases: readonly PhaseData[], records: readonly DcgmRecord[], uuid: string, maxGapS = 2): DcgmJoinRow[] {
  const rows: DcgmJoinRow[] = [];
  for (const p of phases)
    for (const [workload, points] of p.series) rows.push(joinWorkload(workload, p.phase, points, records, uuid, maxGapS));
  return rows;
}

export function dcgmMarkdown(rows: readonly DcgmJoinRow[]): string[] {
  const n = (v: number | null, d = 3) => (v === null ? '–' : v.toFixed(d));
  const out = [
    '## GPU counters joined per iteration (dcgm-exporter)',
    '',
    `Each iteration is joined to the dcgm-exporter scrape covering it (GPU ${rows[0]?.gpu_uuid ?? '?'}). ` +
      'ρ: Spearman rank correlation of wall latency with SM activity.',
    '',
    '| Workload | phase | joined / iterations | SM active (mean) | GPU util (mean) | pods on the GPU (max) | wall p99 alone (ms) | wall p99 shared (ms) | ρ wall ~ SM active |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    out.push(
      `| ${r.workload} | ${r.phase} | ${r.joined} / ${r.iterations} | ${n(r.sm_active_mean)} | ${n(r.gpu_utilization_mean)} | ${r.pods_sharing_max ?? '–'} | ` +
        `${n(r.wall_p99_ms_alone)} | ${n(r.wall_p99_ms_shared)} | ${n(r.wall_sm_active_spearman, 2)} |`,
    );
  }
  return out;
}
