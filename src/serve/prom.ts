/**
 * The `prom:` stage of `kts serve`: builds a PromSource from the configuration and turns each
 * scrape interval's bucket counts into wall-clock samples of one workload (spread inside their
 * buckets, src/stats/buckets.ts), counted like KTS_APP samples. Such a workload has only a
 * wall clock and its quantiles are only as fine as its buckets (the layout is kept with it).
 */
import type { Logger } from 'pino';
import { emptySample, type Sample } from '../line/types.js';
import { PromSource } from '../sources/prom.js';
import { nsPerUnitOf, PRESETS } from '../sources/prom-presets.js';
import { spreadObservations } from '../stats/buckets.js';
import type { LiveTracker } from '../stats/live.js';
import type { ServeConfig } from './config.js';

/** The workload a prom: source reports under: --prom-workload, else the preset, else the histogram name. */
export function promWorkload(cfg: Pick<ServeConfig, 'promWorkload' | 'preset' | 'promHistogram'>): string {
  const raw = cfg.promWorkload ?? cfg.preset ?? cfg.promHistogram ?? 'prom';
  return raw.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64);
}

export function makePromSource(url: string, cfg: ServeConfig, tracker: LiveTracker, count: (s: Sample) => void, log: Logger): PromSource {
  const workload = promWorkload(cfg);
  const preset = cfg.preset === undefined ? undefined : PRESETS[cfg.preset];
  const names = preset?.names ?? [cfg.promHistogram ?? ''];
  tracker.engine.wallOnly.add(workload);
  const sample = emptySample();
  sample.workload = workload;
  sample.phase = 'prom';
  // Warmup does not apply: the first scrape only sets the base, nothing before it is counted.
  let iteration = cfg.warmup;
  return new PromSource({
    url,
    workload,
    names,
    labels: cfg.promLabels,
    nsPerUnit: preset?.nsPerUnit ?? nsPerUnitOf(names[0] ?? ''),
    intervalMs: cfg.promIntervalMs,
    timeoutMs: cfg.promTimeoutMs,
    maxBytes: cfg.promMaxBytes,
    ...(preset !== undefined && 'stages' in preset ? { stages: preset.stages } : {}),
    onError: (problem, message) => log.warn({ source: `prom:${url}`, problem, err: message }, 'prom source: interval not counted'),
    onObservations: (i) => {
      const sec = Math.floor(i.atMs / 1000);
      spreadObservations(i.boundsNs, i.perBucket, (ns) => {
        const whole = Math.round(ns);
        sample.iteration = iteration++;
        sample.startSec = sec;
        sample.startNsec = 0;
        sample.endSec = sec + Math.floor(whole / 1e9);
        sample.endNsec = whole % 1e9;
        sample.deviceMs = 0;
        count(sample);
      });
      const stats = tracker.engine.workloads.get(workload);
      if (stats !== undefined) stats.bucketsNs = i.boundsNs;
    },
  });
}
