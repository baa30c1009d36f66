/**
 * Reads a gold pod's sidecar (`/api/status` on its kts-metrics port) into what the guard
 * plans with: are samples arriving, is the tail above critical, who shares its GPU.
 */
import type { GoldObservation } from './plan.js';

export interface ProbeOptions {
  /** Samples newer than this count as active. */
  activeWindowMs: number;
  /** Clock whose DF decides critical. */
  clock: 'wall' | 'device';
  timeoutMs: number;
  now?: () => number;
}

interface StatusWorkload {
  workload: string;
  last_sample_epoch: number;
  thresholds?: { warning: number; critical: number };
  clocks?: Record<string, { df_p99?: { '1m'?: number | null; '5m'?: number | null } | null }>;
}

interface StatusDoc {
  workloads?: StatusWorkload[];
  dcgm?: { gpu?: { pods?: string[] } | null } | null;
}

export type ProbeResult = Pick<GoldObservation, 'active' | 'critical' | 'gpuPods' | 'detail'>;

export async function probeSidecar(url: string, opts: ProbeOptions): Promise<ProbeResult> {
  const now = (opts.now ?? Date.now)();
  let doc: StatusDoc;
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(opts.timeoutMs) });
    if (!res.ok) return unknown(`sidecar answered HTTP ${res.status}`);
    doc = (await res.json()) as StatusDoc;
  } catch (err) {
    return unknown(`sidecar unreachable: ${(err as Error).message}`);
  }
  const workloads = doc.workloads ?? [];
  const newest = Math.max(0, ...workloads.map((w) => w.last_sample_epoch * 1000));
  const active = newest > 0 && now - newest <= opts.activeWindowMs;
  const hot: string[] = [];
  for (const w of workloads) {
    const df = w.clocks?.[opts.clock]?.df_p99;
    const crit = w.thresholds?.critical;
    const d1 = df?.['1m'];
    const d5 = df?.['5m'];
    if (crit !== undefined && typeof d1 === 'number' && typeof d5 === 'number' && d1 >= crit && d5 >= crit)
      hot.push(`${w.workload} ${opts.clock} DF p99 ${d5.toFixed(2)} (5m) / ${d1.toFixed(2)} (1m) >= ${crit}`);
  }
  const ago = newest > 0 ? `last sample ${((now - newest) / 1000).toFixed(1)} s ago` : 'no samples yet';
  return {
    active,
    critical: active && hot.length > 0,
    gpuPods: doc.dcgm?.gpu?.pods ?? [],
    detail: hot.length > 0 ? `${ago}; ${hot.join('; ')}` : ago,
  };
}

function unknown(detail: string): ProbeResult {
  return { active: undefined, critical: false, gpuPods: [], detail };
}
