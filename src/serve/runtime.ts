/**
 * `kts serve` wiring: sources -> decoders -> live tracker; baselines -> tracker; registry
 * and HTTP on top. Holds no logic of its own beyond connecting the parts and stopping them.
 */

import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Readable } from 'node:stream';
import { type Logger, pino } from 'pino';
import { FileBaselineStore } from '../baselines/file-store.js';
import type { BaselineStore } from '../baselines/store.js';
import { TenancyJoin } from '../dcgm/join.js';
import { DcgmScraper } from '../dcgm/scraper.js';
import { buildApp } from '../http/app.js';
import { P99History } from '../http/history.js';
import { statusDocument } from '../http/status.js';
import { redactText, redactUrl } from '../io/redact.js';
import { LineDecoder } from '../line/decoder.js';
import { Deduplicator } from '../line/dedup.js';
import type { Sample } from '../line/types.js';
import { buildRegistry } from '../metrics/registry.js';
import { CriSource } from '../sources/cri.js';
import { FileSource } from '../sources/file.js';
import type { Source } from '../sources/source.js';
import { StreamSource } from '../sources/stdin.js';
import { mergeProfiles } from '../stats/baseline.js';
import { BaselineCapture } from '../stats/capture.js';
import { LiveTracker } from '../stats/live.js';
import { VERSION } from '../version.js';
import { followPodAnnotations } from './annotations.js';
import { type ServeConfig, type SourceSpec, sourceName } from './config.js';
import { listen } from './listen.js';
import { makePromSource } from './prom.js';
import { dfReadings } from './readings.js';

export interface ServeDeps {
  stdin?: Readable;
  logger?: Logger;
  historyIntervalMs?: number;
  completionIntervalMs?: number;
}

export interface RunningServer {
  port: number;
  tracker: LiveTracker;
  sources: Source[];
  /** Resolves when the --exit-with container has terminated for good (never without --exit-with). */
  done: Promise<void>;
  /** Reloads the baseline and the pod annotations now (SIGHUP). */
  reload(): Promise<void>;
  close(): Promise<void>;
}

export async function startServe(cfg: ServeConfig, deps: ServeDeps = {}): Promise<RunningServer> {
  const log = deps.logger ?? pino({ level: cfg.logLevel, base: { component: 'kts-serve' } });
  let onEvict = (_workload: string): void => {};
  const tracker = new LiveTracker({
    warmupIterations: cfg.warmup,
    maxWorkloads: cfg.maxWorkloads,
    onEvict: (w) => onEvict(w),
    arl0: cfg.detectArl,
    thresholds: { warning: cfg.dfWarning, critical: cfg.dfCritical },
    ...(cfg.profile !== undefined ? { profile: cfg.profile } : {}),
  });

  const signalsOn = cfg.podSignals === 'true' || (cfg.podSignals === 'auto' && cfg.pod !== undefined);
  const needsApi =
    cfg.source.some((s) => s.kind === 'k8s-logs') || cfg.baseline?.kind === 'configmap' || signalsOn || cfg.exitWith !== undefined;
  // Every use of the API needs the pod (config.ts checks), so `k8s` is there wherever `pod` is.
  const k8s = needsApi ? await (await import('./kube.js')).connectKube(cfg, log) : undefined;
  const pod = cfg.pod;
  const dedups: Deduplicator[] = [];
  // dcgm-exporter correlation: its failures are logged and counted, never fatal.
  const dcgm =
    cfg.dcgmUrl === undefined
      ? undefined
      : {
          scraper: new DcgmScraper({
            url: cfg.dcgmUrl,
            intervalMs: cfg.dcgmIntervalMs,
            timeoutMs: cfg.dcgmTimeoutMs,
            selector: {
              ...(pod !== undefined ? { pod: { namespace: pod.namespace, name: pod.name } } : {}),
              ...(cfg.gpuUuid !== undefined ? { uuid: cfg.gpuUuid } : {}),
              ...(cfg.gpuIndex !== undefined ? { index: cfg.gpuIndex } : {}),
            },
            onError: (reason, message) =>
              log.warn({ dcgm: redactUrl(cfg.dcgmUrl ?? ''), reason, err: redactText(message) }, 'dcgm-exporter scrape failed'),
          }),
          join: new TenancyJoin(cfg.maxWorkloads),
        };
  const count = (s: Sample): void => {
    const now = Date.now();
    const gpu = dcgm?.scraper.current(now);
    // dcgm's pod mapping tells whether the pod is alone on its GPU (no mapping: unknown).
    const stats = tracker.ingest(s, now, gpu === undefined || gpu.pods.size === 0 ? undefined : gpu.pods.size === 1);
    if (stats !== undefined && dcgm !== undefined) dcgm.join.observe(stats.workload, stats.values[1] as number, gpu);
  };
  const makeSource = (spec: SourceSpec): Source => {
    if (spec.kind === 'prom') return makePromSource(spec.url, cfg, tracker, count, log);
    const name = sourceName(spec);
    const onError = (message: string): void => log.warn({ source: name, err: message }, 'source error, retrying');
    if (spec.kind === 'k8s-logs' && pod !== undefined && k8s !== undefined) {
      // The only source that can deliver a line twice (re-reading from sinceTime).
      const dedup = new Deduplicator();
      dedups.push(dedup);
      const decoder = new LineDecoder((s) => {
        if (dedup.accept(s)) count(s);
      });
      return k8s.logSource(pod, spec.container, decoder, { onError });
    }
    const decoder = new LineDecoder(count);
    if (spec.kind === 'cri' && pod !== undefined) {
      return new CriSource(pod, spec.container, decoder, {
        root: cfg.criRoot,
        ...(pod.uid !== undefined ? { podUid: pod.uid } : {}),
        onError,
      });
    }
    if (spec.kind === 'file') return new FileSource(spec.path, decoder, { fromBeginning: cfg.fromBeginning, onError });
    return new StreamSource(deps.stdin ?? process.stdin, decoder);
  };
  const sources = cfg.source.map(makeSource);

  const target = cfg.baseline;
  const store: BaselineStore | undefined =
    target === undefined
      ? undefined
      : target.kind === 'file'
        ? new FileBaselineStore(target.path, cfg.baselinePollMs)
        : k8s?.baselineStore(pod?.namespace ?? 'default', target.name, target.key);

  const reloads = { success: 0, failure: 0 };
  let baselineError: string | undefined;
  let baselineLoaded = false;
  const warnedMissing = new Set<string>();
  onEvict = (w) => {
    dcgm?.join.forget(w);
    warnedMissing.delete(w);
    log.debug({ workload: w }, 'workload evicted to make room for a new one');
  };
  const applyBaselines = (doc: Parameters<LiveTracker['setBaselines']>[0]): void => {
    tracker.setBaselines(doc);
    reloads.success++;
    baselineLoaded = true;
    baselineError = undefined;
    log.info({ baseline: store?.description, profiles: doc?.profiles.length ?? 0 }, 'baseline loaded');
  };
  let stopWatch = (): void => {};
  const reloadFailed = (error: string): void => {
    reloads.failure++;
    baselineError = error;
    log.warn({ err: error }, 'baseline reload failed; keeping the previous one');
  };
  if (store !== undefined) {
    const r = await store.load();
    if (r.ok) applyBaselines(r.doc);
    else if (r.missing === true && cfg.capture !== undefined) {
      // Nothing stored yet: capture mode is about to create it.
      baselineLoaded = true;
      log.info({ baseline: store.description, samples: cfg.capture }, 'no baseline stored yet; capturing one live');
    } else {
      reloads.failure++;
      baselineError = r.error;
      log.warn({ err: r.error }, 'baseline not loaded; degradation factors unavailable until it is');
    }
    stopWatch = store.watch(applyBaselines, reloadFailed);
  }

  // Pod annotations (downward-API file): profile and thresholds unless given by flag or env.
  const annotations = await followPodAnnotations(cfg, tracker, log);

  const capture =
    cfg.capture !== undefined && store !== undefined
      ? new BaselineCapture(tracker, cfg.capture, cfg.profile, sources.map((s) => s.status.name).join(','))
      : undefined;
  let captureWrite: Promise<void> = Promise.resolve();
  const runCapture = (): void => {
    const ready = capture?.ready(Date.now()) ?? [];
    if (ready.length === 0 || store === undefined) return;
    captureWrite = captureWrite.then(async () => {
      const existing = await store.load();
      if (!existing.ok && existing.missing !== true) {
        log.error({ err: existing.error, baseline: store.description }, 'captured baseline not written: the stored document is unreadable');
        return;
      }
      const doc = mergeProfiles(existing.ok ? existing.doc : undefined, ready);
      try {
        await store.write(doc);
        applyBaselines(doc);
        for (const p of ready) {
          log.info(
            { workload: p.workload, profile: p.profile, wall_p99_ms: p.clocks.wall.p99_ms, baseline: store.description },
            'baseline captured',
          );
        }
      } catch (err) {
        for (const p of ready) capture?.retry(p.workload);
        log.error({ err: (err as Error).message, baseline: store.description }, 'captured baseline not written; will retry');
      }
    });
  };
  const captureTimer = capture === undefined ? undefined : setInterval(runCapture, 1000);
  captureTimer?.unref();

  const signaller =
    signalsOn && pod !== undefined && k8s !== undefined
      ? k8s.signaller({ namespace: pod.namespace, name: pod.name, ...(pod.uid !== undefined ? { uid: pod.uid } : {}) }, (what, message) =>
          log.warn({ what, err: message }, 'pod signal failed'),
        )
      : undefined;
  const { registry, snapshots, render } = buildRegistry({
    tracker,
    sources,
    baselineReloads: reloads,
    duplicates: () => dedups.reduce((n, d) => n + d.duplicates, 0),
    tier: cfg.tier ?? '',
    ...(pod !== undefined ? { pod } : {}),
    ...(dcgm !== undefined ? { dcgm } : {}),
    ...(signaller !== undefined ? { signals: signaller.counts } : {}),
  });
  const history = new P99History();
  const historyTimer = setInterval(() => {
    const snap = snapshots.get();
    history.record(snap);
    if (signaller !== undefined) void signaller.update(dfReadings(snap));
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
    // A prom: source's endpoint being down is counted, not a reason to be unready.
    for (const s of sources) if (!s.status.up && s.gatesReadiness !== false) reasons.push(`source ${s.status.name} not attached`);
    if (store !== undefined && !baselineLoaded) reasons.push(`baseline (${store.description}) not loaded`);
    return { ready: reasons.length === 0, reasons };
  };
  const status = () => {
    snapshots.invalidate();
    return statusDocument({
      snapshot: snapshots.get(),
      sources,
      baselineFile: store?.description,
      baselineError,
      version: VERSION,
      ready: readiness(),
      ...(dcgm !== undefined && cfg.dcgmUrl !== undefined ? { dcgm: { url: redactUrl(cfg.dcgmUrl), scraper: dcgm.scraper } } : {}),
    });
  };
  const app = buildApp({ registry, render, readiness, status, history: (w) => history.get(w) });

  let finished: () => void = () => undefined;
  const done = new Promise<void>((resolve) => {
    finished = resolve;
  });
  const exitWith = cfg.exitWith;
  const stopCompletion =
    exitWith !== undefined && pod !== undefined && k8s !== undefined
      ? k8s.watchCompletion(
          pod,
          exitWith,
          (exitCode) => {
            log.info({ container: exitWith, exitCode }, 'watched container terminated for good: the sidecar exits');
            finished();
          },
          (message) => log.warn({ container: exitWith, err: message }, 'cannot read the own pod (--exit-with); retrying'),
          deps.completionIntervalMs,
        )
      : undefined;

  let server: Server | undefined;
  let closing: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closing ??= (async () => {
      clearInterval(historyTimer);
      stopCompletion?.();
      if (captureTimer !== undefined) clearInterval(captureTimer);
      stopWatch();
      annotations.stop();
      await captureWrite;
      await Promise.all([...sources.map((s) => s.stop()), dcgm?.scraper.stop()]);
      k8s?.close();
      // Finish in-flight scrapes, drop idle keep-alive connections.
      await new Promise<void>((resolve) => {
        if (server === undefined) return resolve();
        server.close(() => resolve());
        server.closeIdleConnections();
      });
      log.info('kts serve stopped');
    })();
    return closing;
  };
  // Bound before the sources start: without its port the sidecar must not run headless.
  server = await listen(app, cfg.listen).catch(async (err: unknown) => {
    await close();
    throw err;
  });
  for (const s of sources) await s.start();
  dcgm?.scraper.start();
  const port = (server.address() as AddressInfo).port;
  log.info({ port, sources: sources.map((s) => s.status.name), version: VERSION }, 'kts serve listening');

  const reload = async (): Promise<void> => {
    log.info('SIGHUP: reloading the baseline and pod annotations');
    const r = await store?.load();
    if (r?.ok === true) applyBaselines(r.doc);
    else if (r !== undefined && !(r.missing === true && cfg.capture !== undefined)) reloadFailed(r.error);
    await annotations.reload();
  };
  return { port, tracker, sources, done, reload, close };
}
