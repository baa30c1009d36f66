/**
 * `kts serve` wiring: sources -> decoders -> live tracker; baselines -> tracker; registry
 * and HTTP on top. Holds no logic of its own beyond connecting the parts and stopping them.
 */

import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { loadBaselineFile, watchBaselineFile } from '../baselines/file-store.js';
import { buildApp } from '../http/app.js';
import { P99History } from '../http/history.js';
import { statusDocument } from '../http/status.js';
import { LineDecoder } from '../line/decoder.js';
import { buildRegistry } from '../metrics/registry.js';
import { FileSource } from '../sources/file.js';
import type { Source } from '../sources/source.js';
import { StreamSource } from '../sources/stdin.js';
import { LiveTracker } from '../stats/live.js';
import { VERSION } from '../version.js';
import type { ServeConfig, SourceSpec } from './config.js';

export interface ServeDeps {
  stdin?: Readable;
  logger?: Logger;
  historyIntervalMs?: number;
}

export interface RunningServer {
  port: number;
  tracker: LiveTracker;
  sources: Source[];
  close(): Promise<void>;
}

export async function startServe(cfg: ServeConfig, deps: ServeDeps = {}): Promise<RunningServer> {
  const log = deps.logger ?? pino({ level: cfg.logLevel, base: { component: 'kts-serve' } });
  const tracker = new LiveTracker({
    warmupIterations: cfg.warmup,
    maxWorkloads: cfg.maxWorkloads,
    arl0: cfg.detectArl,
    thresholds: { warning: cfg.dfWarning, critical: cfg.dfCritical },
    ...(cfg.profile !== undefined ? { profile: cfg.profile } : {}),
  });

  const makeSource = (spec: SourceSpec): Source => {
    const decoder = new LineDecoder((s) => tracker.ingest(s, Date.now()));
    if (spec.kind === 'file') {
      return new FileSource(spec.path, decoder, {
        fromBeginning: cfg.fromBeginning,
        onError: (message) => log.warn({ source: `file:${spec.path}`, err: message }, 'source error, retrying'),
      });
    }
    return new StreamSource(deps.stdin ?? process.stdin, decoder);
  };
  const sources = cfg.source.map(makeSource);

  const reloads = { success: 0, failure: 0 };
  let baselineError: string | undefined;
  let baselineLoaded = false;
  const warnedMissing = new Set<string>();
  const applyBaselines = (doc: Parameters<LiveTracker['setBaselines']>[0]): void => {
    tracker.setBaselines(doc);
    reloads.success++;
    baselineLoaded = true;
    baselineError = undefined;
    log.info({ file: cfg.baseline, profiles: doc?.profiles.length ?? 0 }, 'baseline loaded');
  };
  let stopWatch = (): void => {};
  if (cfg.baseline !== undefined) {
    const r = await loadBaselineFile(cfg.baseline);
    if (r.ok) applyBaselines(r.doc);
    else {
      reloads.failure++;
      baselineError = r.error;
      log.warn({ err: r.error }, 'baseline not loaded; degradation factors unavailable until it is');
    }
    stopWatch = watchBaselineFile(cfg.baseline, cfg.baselinePollMs, applyBaselines, (error) => {
      reloads.failure++;
      baselineError = error;
      log.warn({ err: error }, 'baseline reload failed; keeping the previous one');
    });
  }

  // No source re-delivers samples yet (the Kubernetes log source will de-duplicate).
  const { registry, snapshots, render } = buildRegistry({ tracker, sources, baselineReloads: reloads, duplicates: () => 0 });
  const history = new P99History();
  const historyTimer = setInterval(() => {
    history.record(snapshots.get());
    for (const w of tracker.workloads()) {
      if (w.baseline === undefined && !warnedMissing.has(w.stats.workload)) {
        warnedMissing.add(w.stats.workload);
        log.warn({ workload: w.stats.workload, profile: cfg.profile }, 'no baseline for workload: no DF or detection');
      }
    }
  }, deps.historyIntervalMs ?? 5000);
  historyTimer.unref();

  const readiness = () => {
    const reasons: string[] = [];
    for (const s of sources) if (!s.status.up) reasons.push(`source ${s.status.name} not attached`);
    if (cfg.baseline !== undefined && !baselineLoaded) reasons.push(`baseline ${cfg.baseline} not loaded`);
    return { ready: reasons.length === 0, reasons };
  };
  const status = () => {
    snapshots.invalidate();
    return statusDocument({
      snapshot: snapshots.get(),
      sources,
      baselineFile: cfg.baseline,
      baselineError,
      version: VERSION,
      ready: readiness(),
    });
  };
  const app = buildApp({ registry, render, readiness, status, history: (w) => history.get(w) });

  for (const s of sources) await s.start();
  const server: Server = await new Promise((resolve, reject) => {
    const srv = createServer(app);
    srv.once('error', reject);
    srv.listen({ port: cfg.listen.port, ...(cfg.listen.host === '' ? {} : { host: cfg.listen.host }) }, () => resolve(srv));
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, sources: sources.map((s) => s.status.name), version: VERSION }, 'kts serve listening');

  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(historyTimer);
      stopWatch();
      await Promise.all(sources.map((s) => s.stop()));
      // Finish in-flight scrapes, drop idle keep-alive connections.
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      log.info('kts serve stopped');
    })();
    return closing;
  };
  return { port, tracker, sources, close };
}
