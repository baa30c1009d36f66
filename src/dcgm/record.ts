/**
 * `kts dcgm record`: timestamped scrapes of a dcgm-exporter as JSON lines, every GPU of the
 * node (offline nobody knows yet which pod will matter), for `kts report --dcgm`.
 * One line per scrape: `{"t": <epoch seconds>, "gpus": [...]}` or `{"t": ..., "error": ...}`.
 */
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import { DcgmParseError, type GpuReading, parseDcgm } from './parse.js';

export interface RecordedGpu {
  uuid: string;
  index: string;
  model: string;
  mig_profile: string;
  mig_instance: string;
  pods: string[];
  values: Record<string, number>;
}

export interface DcgmRecord {
  /** Epoch seconds when the scrape was answered. */
  t: number;
  gpus?: RecordedGpu[];
  error?: string;
}

export function toRecorded(g: GpuReading): RecordedGpu {
  return {
    uuid: g.uuid,
    index: g.index,
    model: g.model,
    mig_profile: g.migProfile,
    mig_instance: g.migInstance,
    pods: [...g.pods].sort(),
    values: Object.fromEntries(g.values),
  };
}

async function scrape(url: string, timeoutMs: number): Promise<DcgmRecord> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
    const text = await res.text();
    const t = Date.now() / 1000;
    if (res.status !== 200) return { t, error: `HTTP ${res.status}` };
    return { t, gpus: [...parseDcgm(text).values()].map(toRecorded) };
  } catch (err) {
    const t = Date.now() / 1000;
    if (err instanceof DcgmParseError) return { t, error: `parse: ${err.message}` };
    return { t, error: (err as Error).name === 'TimeoutError' ? `timeout after ${timeoutMs} ms` : (err as Error).message };
  }
}

/** Scrapes until `signal` aborts or `durationMs` passes; returns the number of records. */
export async function recordDcgm(opts: {
  url: string;
  intervalMs: number;
  timeoutMs: number;
  out: Writable;
  durationMs?: number;
  signal?: AbortSignal;
}): Promise<{ records: number; errors: number }> {
  const end = opts.durationMs === undefined ? Number.POSITIVE_INFINITY : Date.now() + opts.durationMs;
  let records = 0;
  let errors = 0;
  while (Date.now() < end && opts.signal?.aborted !== true) {
    const started = Date.now();
    const r = await scrape(opts.url, opts.timeoutMs);
    if (r.error !== undefined) errors++;
    if (!opts.out.write(`${JSON.stringify(r)}\n`)) await once(opts.out, 'drain');
    records++;
    const wait = Math.min(opts.intervalMs - (Date.now() - started), end - Date.now());
    if (wait > 0) await sleep(wait, undefined, opts.signal ? { signal: opts.signal } : undefined).catch(() => undefined);
  }
  return { records, errors };
}
