/** The /api/status document: sources, workloads with their current figures, baseline state. */
import type { DcgmScraper } from '../dcgm/scraper.js';
import { redactText } from '../io/redact.js';
import type { Snapshot } from '../metrics/snapshot.js';
import type { Source } from '../sources/source.js';
import { DF_CLOCKS } from '../stats/live.js';
import type { LatencySummary } from '../stats/summary.js';
import type { WindowName } from '../stats/windows.js';

const r6 = (v: number): number | null => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : null);

function figures(s: LatencySummary) {
  return { count: s.count, p50_ms: r6(s.p50Ms), p95_ms: r6(s.p95Ms), p99_ms: r6(s.p99Ms), p999_ms: r6(s.p999Ms), jitter: r6(s.jitter) };
}

export interface StatusInput {
  snapshot: Snapshot;
  sources: readonly Source[];
  baselineFile: string | undefined;
  baselineError: string | undefined;
  version: string;
  ready: { ready: boolean; reasons: string[] };
  dcgm?: { url: string; scraper: DcgmScraper };
}

function dfOf(df: Record<WindowName, number> | undefined) {
  return df === undefined ? null : { '1m': r6(df['1m']), '5m': r6(df['5m']), total: r6(df.total) };
}

function dcgmState(d: StatusInput['dcgm']) {
  if (d === undefined) return null;
  const l = d.scraper.latest;
  return {
    url: d.url,
    up: d.scraper.up,
    last_error: d.scraper.lastError === undefined ? null : redactText(d.scraper.lastError),
    gpu:
      l === undefined
        ? null
        : {
            uuid: l.gpu.uuid,
            index: l.gpu.index,
            model: l.gpu.model,
            mig_profile: l.gpu.migProfile || null,
            matched_by: l.by,
            pods_sharing: l.gpu.pods.size,
            pods: [...l.gpu.pods].sort(),
            read_at: new Date(l.atMs).toISOString(),
          },
  };
}

export function statusDocument(i: StatusInput) {
  return {
    version: i.version,
    ready: i.ready.ready,
    not_ready_reasons: i.ready.reasons,
    generated_at: new Date(i.snapshot.takenAtMs).toISOString(),
    sources: i.sources.map((s) => ({
      name: s.status.name,
      up: s.status.up,
      restarts: Object.fromEntries(s.status.restarts),
      last_error: s.status.lastError ?? null,
      lines: { parsed: s.decoder.counters.parsed, ignored: s.decoder.counters.ignored, malformed: s.decoder.counters.malformed },
    })),
    baseline: { file: i.baselineFile ?? null, error: i.baselineError ?? null },
    dcgm: dcgmState(i.dcgm),
    workloads: i.snapshot.workloads.map((w) => {
      const b = w.live.baseline;
      return {
        workload: w.live.stats.workload,
        samples: w.live.stats.samples,
        last_sample_epoch: w.live.stats.lastSampleEpoch,
        baseline:
          b === undefined
            ? null
            : {
                profile: b.profile,
                captured_at: b.captured_at,
                device_p99_ms: b.clocks.device?.p99_ms ?? null,
                wall_p99_ms: b.clocks.wall.p99_ms,
                queue_p99_ms: b.clocks.queue?.p99_ms ?? null,
                bootstrapped: w.live.bootstrapped,
                mismatch: w.mismatch,
              },
        alone: { now: w.live.aloneNow ?? null, reference_samples: w.live.alone.samples, df_p99: dfOf(w.aloneDf.wall) },
        thresholds: w.live.thresholds,
        clocks: Object.fromEntries(
          DF_CLOCKS.map((c) => [
            c,
            {
              '1m': figures(w.summaries[c]['1m']),
              '5m': figures(w.summaries[c]['5m']),
              total: figures(w.summaries[c].total),
              df_p99: dfOf(w.df[c]),
              exceedance_1m: r6(w.exceedance[c]?.['1m'] ?? Number.NaN),
              contention: w.live.detectors?.[c]?.active ?? null,
            },
          ]),
        ),
        queue_p99_ms_1m: r6(w.summaries.queue['1m'].p99Ms),
      };
    }),
  };
}

export type StatusDocument = ReturnType<typeof statusDocument>;
