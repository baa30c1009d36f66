/**
 * `kts report --cost`: the GPU time each workload used in the recorded runs, the offline twin
 * of the sidecar's kts_busy_seconds_total. Wall: the GPU held from launch to synchronize
 * (what a time-sliced GPU is actually occupied for); device: kernels running. Priced per
 * GPU-hour when a price is given.
 */
import type { Phase, PhaseData } from './collect.js';

export interface CostRow {
  workload: string;
  phase: Phase;
  iterations: number;
  device_busy_seconds: number;
  wall_busy_seconds: number;
  gpu_hours_wall: number;
  gpu_hours_device: number;
  /** null without --price-per-gpu-hour. */
  cost_wall: number | null;
  cost_device: number | null;
}

const r6 = (v: number): number => Math.round(v * 1e6) / 1e6;

export function costRows(phases: readonly PhaseData[], pricePerGpuHour?: number): CostRow[] {
  const rows: CostRow[] = [];
  for (const p of phases) {
    for (const [workload, points] of p.series) {
      let device = 0;
      let wall = 0;
      for (const x of points) {
        device += x.deviceMs / 1e3;
        wall += x.wallMs / 1e3;
      }
      const price = pricePerGpuHour;
      rows.push({
        workload,
        phase: p.phase,
        iterations: points.length,
        device_busy_seconds: r6(device),
        wall_busy_seconds: r6(wall),
        gpu_hours_wall: r6(wall / 3600),
        gpu_hours_device: r6(device / 3600),
        cost_wall: price === undefined ? null : r6((wall / 3600) * price),
        cost_device: price === undefined ? null : r6((device / 3600) * price),
      });
    }
  }
  return rows;
}

export function costMarkdown(rows: readonly CostRow[], pricePerGpuHour?: number): string[] {
  const priced = pricePerGpuHour !== undefined;
  const out = [
    '## GPU time and cost',
    '',
    'GPU time each workload used over its counted iterations: **wall** = the GPU held from launch to synchronize ' +
      '(waiting for a co-tenant included), **device** = kernels running.' +
      (priced ? ` Priced at ${pricePerGpuHour} per GPU-hour.` : ' Give `--price-per-gpu-hour` to price it.'),
    '',
    `| Workload | phase | iterations | wall GPU-seconds | device GPU-seconds | held / working |${priced ? ' cost (wall) | cost (device) |' : ''}`,
    `|---|---|---|---|---|---|${priced ? '---|---|' : ''}`,
  ];
  for (const r of rows) {
    const ratio = r.device_busy_seconds > 0 ? (r.wall_busy_seconds / r.device_busy_seconds).toFixed(2) : '–';
    out.push(
      `| ${r.workload} | ${r.phase} | ${r.iterations} | ${r.wall_busy_seconds.toFixed(3)} | ${r.device_busy_seconds.toFixed(3)} | ${ratio} |` +
        (priced ? ` ${(r.cost_wall ?? 0).toFixed(6)} | ${(r.cost_device ?? 0).toFixed(6)} |` : ''),
    );
  }
  return out;
}
