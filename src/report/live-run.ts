/**
 * The live scenario of workers/experiment.py: `kts serve` tailed an FFT worker's log while a
 * GEMM co-tenant joined part-way, and /metrics was scraped every 0.25 s into
 * live-metrics.jsonl. This reads that record back (with timeline.jsonl, the FFT log and
 * live-sidecar.json) into the figures the results page gives: when the sidecar's signals
 * crossed after the co-tenant started, in seconds and in FFT iterations, the tail alone vs
 * shared as the sidecar split it, and what the sidecar itself cost.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { collectPhase } from './collect.js';

export interface Crossing {
  /** Seconds after the co-tenant started (first scrape showing it). */
  after_s: number;
  /** FFT iterations that ended between the co-tenant's start and that scrape. */
  samples: number;
}

export interface LiveRunFigures {
  /** File prefix and timeline scenario: live (1 co-tenant), liveN (N co-tenants). */
  run: string;
  cotenants: number;
  workload: string;
  solo_s: number;
  shared_s: number;
  samples_alone: number;
  samples_shared: number;
  /** First crossing of the 1m-window DF over each threshold, per clock; null: never. */
  df_1m: Record<'device' | 'wall', { warning: Crossing | null; critical: Crossing | null; last: number | null }>;
  /** Share of counted iterations whose wall time exceeds the baseline's wall p99, alone and shared. */
  wall_exceedance: { baseline_p99_ms: number | null; alone: number | null; shared: number | null };
  /** First scrape with kts_contention_detected = 1 per clock; null: never. */
  detected: Record<'device' | 'wall', Crossing | null>;
  pods_sharing_seen: Crossing | null;
  tenancy: { alone_p99_ms: number | null; shared_p99_ms: number | null; alone_n: number | null; shared_n: number | null };
  sm_active_correlation: number | null;
  sidecar: { cpu_s: number | null; cpu_share: number | null; rss_peak_bytes: number | null };
  scrapes: { count: number; p50_ms: number | null; max_ms: number | null };
  thresholds: { warning: number; critical: number };
}

interface Scrape {
  t_ns: bigint;
  scrape_ms?: number;
  samples: Map<string, number>;
}

/** `name{k="v",...}` with labels in sorted order: one key per series. */
function seriesKey(name: string, labels: Record<string, string> | undefined): string {
  const l = Object.entries(labels ?? {})
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k}="${v}"`)
    .join(',');
  return l === '' ? name : `${name}{${l}}`;
}

/** `t_ns` of a JSONL record, exact: Python writes it as a JSON integer wider than 2^53. */
function tNs(line: string): bigint | undefined {
  const t = /"t_ns":\s*(\d+)/.exec(line)?.[1];
  return t === undefined ? undefined : BigInt(t);
}

function parseScrapes(text: string): Scrape[] {
  const out: Scrape[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as { t_ns: number | string; scrape_ms?: number; lines?: string[] };
    if (r.lines === undefined) continue;
    const samples = new Map<string, number>();
    for (const fam of parsePrometheusTextFormat(`${r.lines.join('\n')}\n`))
      for (const m of fam.metrics) samples.set(seriesKey(fam.name, m.labels), Number(m.value));
    out.push({ t_ns: tNs(line) ?? BigInt(r.t_ns), samples, ...(r.scrape_ms !== undefined ? { scrape_ms: r.scrape_ms } : {}) });
  }
  return out;
}

interface TimelineEvent {
  t_ns: bigint;
  scenario: string;
  event: string;
  workload?: string;
}

export function parseTimeline(text: string): TimelineEvent[] {
  const out: TimelineEvent[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    const r = JSON.parse(line) as { scenario: string; event: string; workload?: string };
    const t = tNs(line);
    if (t === undefined) continue;
    out.push({ t_ns: t, scenario: r.scenario, event: r.event, ...(r.workload !== undefined ? { workload: r.workload } : {}) });
  }
  return out;
}

const seconds = (a: bigint, b: bigint): number => Number(b - a) / 1e9;

export async function analyseLiveRun(
  dir: string,
  run = 'live',
  workload = 'FFT',
  thresholds = { warning: 1.2, critical: 1.5 },
): Promise<LiveRunFigures> {
  const [metricsText, timelineText, usageText, log, baselineText] = await Promise.all([
    readFile(join(dir, `${run}-metrics.jsonl`), 'utf8'),
    readFile(join(dir, 'timeline.jsonl'), 'utf8'),
    readFile(join(dir, `${run}-sidecar.json`), 'utf8').catch(() => '{}'),
    collectPhase('shared', [join(dir, `${run}-fft.log`)], 10),
    readFile(join(dir, `${run}-baseline.json`), 'utf8').catch(() => '{}'),
  ]);
  const events = parseTimeline(timelineText).filter((e) => e.scenario === run);
  const start = events.find((e) => e.event === 'start' && e.workload === 'fft')?.t_ns;
  const cotenant = events.find((e) => e.event === 'start' && e.workload === 'gemm')?.t_ns;
  const stops = events.filter((e) => e.event === 'stop').map((e) => e.t_ns);
  if (start === undefined || cotenant === undefined || stops.length === 0)
    throw new Error(`${dir}/timeline.jsonl has no ${run} scenario with an FFT start, a GEMM start and a stop`);
  const end = stops[0] as bigint;

  // Epoch seconds as doubles: sub-microsecond at today's epoch, plenty for 0.25 s scrapes.
  const epoch = (t: bigint): number => Number(t) / 1e9;
  const points = log.series.get(workload) ?? [];
  const ends = points.map((p) => p.endEpoch);
  const profile = (
    (JSON.parse(baselineText) as { profiles?: { workload: string; clocks: { wall: { p99_ms: number } } }[] }).profiles ?? []
  ).find((p) => p.workload === workload);
  const p99 = profile?.clocks.wall.p99_ms;
  const share = (alone: boolean): number | null => {
    const xs = points.filter((p) => p.endEpoch < epoch(cotenant) === alone);
    if (p99 === undefined || xs.length === 0) return null;
    return Math.round((xs.filter((p) => p.wallMs > p99).length / xs.length) * 10000) / 10000;
  };
  const samplesBetween = (t: bigint): number => ends.filter((e) => e >= epoch(cotenant) && e <= epoch(t)).length;
  const crossing = (t: bigint): Crossing => ({ after_s: Math.round(seconds(cotenant, t) * 100) / 100, samples: samplesBetween(t) });

  const scrapes = parseScrapes(metricsText).sort((a, b) => (a.t_ns < b.t_ns ? -1 : 1));
  const after = scrapes.filter((s) => s.t_ns >= cotenant);
  const first = (pred: (s: Scrape) => boolean): Crossing | null => {
    const s = after.find(pred);
    return s === undefined ? null : crossing(s.t_ns);
  };
  const value = (s: Scrape, key: string): number => s.samples.get(key) ?? Number.NaN;
  const dfKey = (clock: string) => `kts_degradation_factor{clock="${clock}",window="1m",workload="${workload}"}`;
  const last = scrapes.at(-1);
  const lastVal = (key: string): number | null => {
    const v = last === undefined ? Number.NaN : value(last, key);
    return Number.isFinite(v) ? v : null;
  };
  const df = (clock: 'device' | 'wall') => ({
    warning: first((s) => value(s, dfKey(clock)) >= thresholds.warning),
    critical: first((s) => value(s, dfKey(clock)) >= thresholds.critical),
    last: lastVal(dfKey(clock)),
  });
  // Recordings before 0.2 label the p99 quantile="0.99"; later ones percentile="99".
  const tq = (tenancy: string) =>
    lastVal(`kts_latency_by_tenancy_seconds{percentile="99",tenancy="${tenancy}",workload="${workload}"}`) ??
    lastVal(`kts_latency_by_tenancy_seconds{quantile="0.99",tenancy="${tenancy}",workload="${workload}"}`);
  const tn = (tenancy: string) => lastVal(`kts_samples_by_tenancy_total{tenancy="${tenancy}",workload="${workload}"}`);
  const usage = JSON.parse(usageText) as { cpu_user_s?: number; cpu_system_s?: number; VmHWM?: number };
  const cpu = usage.cpu_user_s !== undefined && usage.cpu_system_s !== undefined ? usage.cpu_user_s + usage.cpu_system_s : null;
  const lifetime = scrapes.length > 0 ? seconds((scrapes[0] as Scrape).t_ns, (last as Scrape).t_ns) : Number.NaN;
  const ms = scrapes.flatMap((s) => (s.scrape_ms === undefined ? [] : [s.scrape_ms])).sort((a, b) => a - b);
  const p99s = (v: number | null) => (v === null ? null : Math.round(v * 1e6) / 1e3);
  return {
    run,
    cotenants: events.filter((e) => e.event === 'start' && e.workload === 'gemm').length,
    workload,
    solo_s: Math.round(seconds(start, cotenant) * 10) / 10,
    shared_s: Math.round(seconds(cotenant, end) * 10) / 10,
    samples_alone: ends.filter((e) => e < epoch(cotenant)).length,
    samples_shared: ends.filter((e) => e >= epoch(cotenant)).length,
    df_1m: { device: df('device'), wall: df('wall') },
    wall_exceedance: { baseline_p99_ms: p99 ?? null, alone: share(true), shared: share(false) },
    detected: {
      device: first((s) => value(s, `kts_contention_detected{clock="device",workload="${workload}"}`) === 1),
      wall: first((s) => value(s, `kts_contention_detected{clock="wall",workload="${workload}"}`) === 1),
    },
    pods_sharing_seen: first((s) => value(s, 'kts_gpu_pods_sharing') >= 2),
    tenancy: { alone_p99_ms: p99s(tq('alone')), shared_p99_ms: p99s(tq('shared')), alone_n: tn('alone'), shared_n: tn('shared') },
    sm_active_correlation: lastVal(`kts_latency_sm_active_correlation{workload="${workload}"}`),
    sidecar: {
      cpu_s: cpu === null ? null : Math.round(cpu * 100) / 100,
      cpu_share: cpu === null || !Number.isFinite(lifetime) ? null : Math.round((cpu / lifetime) * 1000) / 1000,
      rss_peak_bytes: usage.VmHWM ?? null,
    },
    scrapes: {
      count: ms.length,
      p50_ms: ms.length > 0 ? (ms[Math.floor(ms.length / 2)] as number) : null,
      max_ms: ms.length > 0 ? (ms.at(-1) as number) : null,
    },
    thresholds,
  };
}
