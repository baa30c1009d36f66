/**
 * `kts baseline capture --from prom:<url> --duration 5m`: the workload's own histogram read
 * for a while by the same prom: stage as `kts serve` (src/serve/prom.ts), and its wall-clock
 * quantiles returned as a baseline profile. The workload must be alone on its GPU meanwhile.
 */
import { pino } from 'pino';
import { type BaselineProfile, makeProfile } from '../stats/baseline.js';
import { LiveTracker } from '../stats/live.js';
import type { ServeConfig } from './config.js';
import { makePromSource, promWorkload } from './prom.js';

export interface PromCaptureResult {
  profile: BaselineProfile | undefined;
  /** Intervals read, and problems by reason (kts_prom_source_problems_total's reasons). */
  samples: number;
}

export async function capturePromBaseline(
  url: string,
  cfg: ServeConfig,
  opts: { durationMs: number; profile: string; gpuModel?: string },
): Promise<PromCaptureResult> {
  const tracker = new LiveTracker({ warmupIterations: 0 });
  const log = pino({ level: cfg.logLevel === 'info' ? 'warn' : cfg.logLevel, base: { component: 'kts-baseline' } });
  const source = makePromSource(url, { ...cfg, warmup: 0 }, tracker, (s) => tracker.ingest(s, Date.now()), log);
  await source.start();
  await new Promise((r) => setTimeout(r, opts.durationMs));
  await source.stop();
  const stats = tracker.engine.workloads.get(promWorkload(cfg));
  if (stats === undefined || stats.samples === 0) return { profile: undefined, samples: 0 };
  return {
    samples: stats.samples,
    profile: makeProfile({
      profile: opts.profile,
      workload: stats.workload,
      capturedAt: new Date(),
      clocks: stats.summaries('total', Date.now()),
      source: `prom:${url}`,
      wallOnly: true,
      ...(opts.gpuModel !== undefined ? { gpuModel: opts.gpuModel } : {}),
    }),
  };
}
