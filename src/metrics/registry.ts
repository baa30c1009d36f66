/**
 * The prom-client registry of the sidecar, built from the catalog. Every value is read at
 * scrape time in collect() from the live state (one shared snapshot per scrape); nothing is
 * observed per sample.
 */
import {
  Counter,
  collectDefaultMetrics,
  Gauge,
  Histogram,
  type LabelValues,
  type MetricObjectWithValues,
  type MetricValueWithName,
  Registry,
} from 'prom-client';
import { DCGM_FIELDS } from '../dcgm/fields.js';
import { TENANCIES, type TenancyJoin } from '../dcgm/join.js';
import type { DcgmScraper } from '../dcgm/scraper.js';
import { LineCounters } from '../line/counters.js';
import { MALFORMED_REASONS } from '../line/types.js';
import { PromSource } from '../sources/prom.js';
import type { Source } from '../sources/source.js';
import type { Clock } from '../stats/clocks.js';
import type { ContentionDetector } from '../stats/detector.js';
import { DF_CLOCKS, type LiveTracker } from '../stats/live.js';
import { QUANTILES } from '../stats/summary.js';
import { WINDOWS, type WindowName } from '../stats/windows.js';
import { VERSION } from '../version.js';
import { DURATION_BUCKETS, METRICS, type MetricSpec } from './catalog.js';
import { HISTOGRAM_CLOCKS, type HistogramClock, SnapshotCache, type WorkloadSnapshot } from './snapshot.js';

export interface ExpositionState {
  tracker: LiveTracker;
  sources: readonly Source[];
  baselineReloads: { success: number; failure: number };
  /** Samples dropped as re-deliveries after a reconnect. */
  duplicates: () => number;
  /** The sidecar's own pod, to tell co-tenants from itself. */
  pod?: { namespace: string; name: string };
  /** Pod signalling counts, when on. */
  signals?: { events: { success: number; failure: number }; conditions: { success: number; failure: number } };
  /** The pod's priority tier (kts.dev/tier), '' when none. */
  tier?: string;
  /** dcgm-exporter correlation, when configured. */
  dcgm?: { scraper: DcgmScraper; join: TenancyJoin };
}

/** Co-tenant series at most (label cardinality bound). */
const MAX_COTENANTS = 16;

type Labels = LabelValues<string>;
type Setter = (labels: Labels, value: number) => void;

/**
 * Precomputed quantiles are gauges labelled `percentile` ("50", "95", "99", "99.9"): the
 * `quantile` label belongs to summaries (promtool rejects it on a gauge), and a summary's
 * cumulative _sum/_count would not fit the 1m and 5m windows.
 */
const P_LABEL = QUANTILES.map((q) => String(Math.round(q * 1000) / 10));

/** Sets one series per percentile label from values in milliseconds (exposed in seconds). */
function setQuantiles(set: Setter, labels: Labels, ms: readonly number[]): void {
  for (let i = 0; i < P_LABEL.length; i++) set({ ...labels, percentile: P_LABEL[i] }, (ms[i] as number) / 1e3);
}

/** prom-client's default gauges named like counters (promtool: "_total" on a non-counter). */
const GAUGES_NAMED_TOTAL = ['nodejs_active_handles_total', 'nodejs_active_requests_total', 'nodejs_active_resources_total'];
/** The clocks of kts_iteration_duration_seconds and the quantile gauges a workload has (wall only for prom: sources). */
function histogramClocks(w: WorkloadSnapshot): readonly HistogramClock[] {
  return w.live.stats.wallOnly ? WALL_ONLY : HISTOGRAM_CLOCKS;
}
const WALL_ONLY = ['wall'] as const;

function finite(v: number): boolean {
  return Number.isFinite(v);
}

/**
 * prom-client formats `sharedLabels` through a WeakMap cache keyed by the object: one frozen
 * empty object for every series makes that a hit instead of a fresh format per line.
 */
const NO_SHARED_LABELS: Labels = Object.freeze({});

/** A histogram whose buckets are read from the HDR histograms at scrape time. */
class HdrBackedHistogram extends Histogram<string> {
  constructor(
    private readonly spec: MetricSpec,
    registry: Registry,
    private readonly snapshots: SnapshotCache,
  ) {
    super({ name: spec.name, help: spec.help, labelNames: [...spec.labels], buckets: [...DURATION_BUCKETS], registers: [registry] });
  }

  override async get(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    const values: MetricValueWithName<string>[] = [];
    for (const w of this.snapshots.get().workloads) {
      for (const clock of histogramClocks(w)) {
        const b = w.buckets[clock];
        const labels = { workload: w.live.stats.workload, clock };
        const bucket = `${this.spec.name}_bucket`;
        const shared = NO_SHARED_LABELS;
        for (let i = 0; i < DURATION_BUCKETS.length; i++) {
          values.push({
            metricName: bucket,
            labels: { ...labels, le: DURATION_BUCKETS[i] as number },
            value: b.cumulative[i] ?? 0,
            sharedLabels: shared,
          } as Value);
        }
        values.push({ metricName: bucket, labels: { ...labels, le: '+Inf' }, value: b.count, sharedLabels: shared } as Value);
        values.push({ metricName: `${this.spec.name}_sum`, labels, value: b.sumSeconds, sharedLabels: shared } as Value);
        values.push({ metricName: `${this.spec.name}_count`, labels, value: b.count, sharedLabels: shared } as Value);
      }
    }
    return { name: this.spec.name, help: this.spec.help, type: 'histogram' as never, values, aggregator: 'sum', collect: () => undefined };
  }

  async getForPromString(): Promise<MetricObjectWithValues<MetricValueWithName<string>>> {
    return this.get();
  }
}

type Value = MetricValueWithName<string>;
type Values = Value[];

/**
 * A gauge or counter whose series are all produced at scrape time by `fill`: get() builds
 * the values directly from the snapshot, skipping prom-client's per-series label validation
 * and hashing (set/inc), which cost a third of a scrape with 16 workloads.
 */
function scrapeTimeMetric(
  type: 'gauge' | 'counter',
  spec: MetricSpec,
  registry: Registry,
  fill: (set: Setter) => void,
  accept: (v: number) => boolean = () => true,
): void {
  const config = { name: spec.name, help: spec.help, labelNames: [...spec.labels], registers: [registry] };
  const metric = type === 'gauge' ? new Gauge(config) : new Counter(config);
  const get = async (): Promise<MetricObjectWithValues<MetricValueWithName<string>>> => {
    const values: Values = [];
    fill((labels, value) => {
      if (finite(value) && accept(value)) values.push({ labels, value, sharedLabels: NO_SHARED_LABELS } as MetricValueWithName<string>);
    });
    return { name: spec.name, help: spec.help, type: type as never, values, aggregator: 'sum', collect: () => undefined };
  };
  Object.assign(metric, { get, getForPromString: get });
}

export interface Exposition {
  registry: Registry;
  snapshots: SnapshotCache;
  /** One scrape: a fresh snapshot, then every collector. */
  render(): Promise<string>;
}

export function buildRegistry(state: ExpositionState, opts: { defaultMetrics?: boolean; clock?: () => number } = {}): Exposition {
  const registry = new Registry();
  const snapshots = new SnapshotCache(state.tracker, opts.clock);
  const snap = () => snapshots.get();

  const gauge = (spec: MetricSpec, fill: (set: Setter) => void): void => {
    scrapeTimeMetric('gauge', spec, registry, fill);
  };
  const counter = (spec: MetricSpec, fill: (set: Setter) => void): void => {
    scrapeTimeMetric('counter', spec, registry, fill, (v) => v >= 0);
  };

  new HdrBackedHistogram(METRICS.iterationDuration, registry, snapshots);

  gauge(METRICS.latency, (set) => {
    for (const w of snap().workloads) {
      for (const clock of histogramClocks(w)) {
        for (const window of WINDOWS) {
          const s = w.summaries[clock][window];
          setQuantiles(set, { workload: w.live.stats.workload, clock, window }, [s.p50Ms, s.p95Ms, s.p99Ms, s.p999Ms]);
        }
      }
    }
  });
  gauge(METRICS.jitter, (set) => {
    for (const w of snap().workloads)
      for (const clock of histogramClocks(w))
        for (const window of WINDOWS) set({ workload: w.live.stats.workload, clock, window }, w.summaries[clock][window].jitter);
  });
  gauge(METRICS.queueingDelay, (set) => {
    for (const w of snap().workloads) {
      if (w.live.stats.wallOnly) continue;
      for (const window of WINDOWS) {
        const s = w.summaries.queue[window];
        setQuantiles(set, { workload: w.live.stats.workload, window }, [s.p50Ms, s.p95Ms, s.p99Ms, s.p999Ms]);
      }
    }
  });
  gauge(METRICS.throughput, (set) => {
    for (const w of snap().workloads) for (const window of WINDOWS) set({ workload: w.live.stats.workload, window }, w.rate[window]);
  });
  gauge(METRICS.throughputProxy, (set) => {
    for (const w of snap().workloads)
      for (const clock of histogramClocks(w))
        for (const window of WINDOWS)
          set({ workload: w.live.stats.workload, clock, window }, w.summaries[clock][window].throughputProxyIps);
  });
  counter(METRICS.samples, (set) => {
    for (const w of state.tracker.workloads()) set({ workload: w.stats.workload }, w.stats.samples);
  });
  counter(METRICS.busy, (set) => {
    for (const w of state.tracker.workloads()) {
      if (!w.stats.wallOnly) set({ workload: w.stats.workload, clock: 'device' }, w.stats.busyNs.device / 1e9);
      set({ workload: w.stats.workload, clock: 'wall' }, w.stats.busyNs.wall / 1e9);
    }
  });
  gauge(METRICS.tierInfo, (set) => set({ tier: state.tier || 'none' }, 1));
  gauge(METRICS.lastSample, (set) => {
    for (const w of state.tracker.workloads()) set({ workload: w.stats.workload }, w.stats.lastSampleEpoch);
  });
  /** One series per clock and window of a per-workload figure the snapshot holds. */
  const perClockWindow =
    (pick: (w: WorkloadSnapshot) => Partial<Record<Clock, Record<WindowName, number>>>) =>
    (set: Setter): void => {
      for (const w of snap().workloads)
        for (const clock of DF_CLOCKS) {
          const v = pick(w)[clock];
          if (v !== undefined) for (const window of WINDOWS) set({ workload: w.live.stats.workload, clock, window }, v[window]);
        }
    };
  /** One series per clock of a figure of each workload's detectors. */
  const perDetector =
    (pick: (d: ContentionDetector) => number) =>
    (set: Setter): void => {
      for (const w of state.tracker.workloads())
        for (const clock of DF_CLOCKS) {
          const d = w.detectors?.[clock];
          if (d !== undefined) set({ workload: w.stats.workload, clock }, pick(d));
        }
    };
  gauge(
    METRICS.degradation,
    perClockWindow((w) => w.df),
  );
  gauge(
    METRICS.aloneDegradation,
    perClockWindow((w) => w.aloneDf),
  );
  gauge(METRICS.aloneSamples, (set) => {
    for (const w of state.tracker.workloads()) set({ workload: w.stats.workload }, w.alone.samples);
  });
  gauge(METRICS.baselineMismatch, (set) => {
    for (const w of snap().workloads)
      for (const [clock, m] of Object.entries(w.mismatch))
        for (const direction of ['faster', 'slower'] as const)
          set({ workload: w.live.stats.workload, clock, direction }, m === direction ? 1 : 0);
  });
  gauge(
    METRICS.exceedance,
    perClockWindow((w) => w.exceedance),
  );
  gauge(
    METRICS.contention,
    perDetector((d) => (d.active ? 1 : 0)),
  );
  gauge(
    METRICS.contentionScore,
    perDetector((d) => d.score),
  );
  counter(
    METRICS.contentionOnsets,
    perDetector((d) => d.onsets),
  );
  gauge(METRICS.threshold, (set) => {
    for (const w of state.tracker.workloads()) {
      set({ workload: w.stats.workload, severity: 'warning' }, w.thresholds.warning);
      set({ workload: w.stats.workload, severity: 'critical' }, w.thresholds.critical);
    }
  });
  gauge(METRICS.baselineLatency, (set) => {
    for (const w of state.tracker.workloads()) {
      const b = w.baseline;
      if (b === undefined) continue;
      for (const clock of w.stats.clockNames) {
        const c = b.clocks[clock];
        if (c === undefined) continue;
        setQuantiles(set, { workload: w.stats.workload, clock }, [c.p50_ms, c.p95_ms, c.p99_ms, c.p999_ms]);
      }
    }
  });
  gauge(METRICS.baselineLoaded, (set) => {
    for (const w of state.tracker.workloads()) set({ workload: w.stats.workload }, w.baseline === undefined ? 0 : 1);
  });
  gauge(METRICS.baselineInfo, (set) => {
    for (const w of state.tracker.workloads())
      if (w.baseline !== undefined)
        set({ workload: w.stats.workload, profile: w.baseline.profile, captured_at: w.baseline.captured_at }, 1);
  });
  counter(METRICS.baselineReloads, (set) => {
    set({ result: 'success' }, state.baselineReloads.success);
    set({ result: 'failure' }, state.baselineReloads.failure);
  });
  const lineTotals = (): LineCounters => {
    const all = new LineCounters();
    for (const s of state.sources) all.add(s.decoder.counters);
    return all;
  };
  counter(METRICS.lines, (set) => {
    const c = lineTotals();
    set({ result: 'parsed' }, c.parsed);
    set({ result: 'ignored' }, c.ignored);
    set({ result: 'malformed' }, c.malformed);
  });
  counter(METRICS.malformed, (set) => {
    const c = lineTotals();
    for (let i = 0; i < MALFORMED_REASONS.length; i++) set({ reason: MALFORMED_REASONS[i] }, c.malformedByReason[i] ?? 0);
  });
  counter(METRICS.dropped, (set) => {
    set({ reason: 'workload_cap' }, state.tracker.engine.droppedSamples);
    set({ reason: 'duplicate' }, state.duplicates());
  });
  counter(METRICS.warmup, (set) => set({}, state.tracker.engine.warmupSkipped));
  gauge(METRICS.workloads, (set) => set({}, state.tracker.engine.workloads.size));
  gauge(METRICS.sourceUp, (set) => {
    for (const s of state.sources) set({ source: s.status.name }, s.status.up ? 1 : 0);
  });
  counter(METRICS.sourceRestarts, (set) => {
    for (const s of state.sources) for (const [reason, n] of s.status.restarts) set({ source: s.status.name, reason }, n);
  });
  gauge(METRICS.p99Bucket, (set) => {
    for (const w of snap().workloads)
      for (const window of WINDOWS) {
        const b = w.p99Bucket[window];
        if (b === undefined) continue;
        set({ workload: w.live.stats.workload, window, bound: 'lower' }, b[0] / 1e9);
        set({ workload: w.live.stats.workload, window, bound: 'upper' }, b[1] / 1e9);
      }
  });
  gauge(METRICS.serverStageMean, (set) => {
    for (const s of state.sources)
      if (s instanceof PromSource && s.stageMeans !== undefined)
        for (const [stage, seconds] of s.stageMeans.latest) set({ workload: s.opts.workload, stage }, seconds);
  });
  counter(METRICS.promProblems, (set) => {
    for (const s of state.sources)
      if (s instanceof PromSource) for (const [reason, n] of s.problems) set({ source: s.status.name, reason }, n);
  });
  gauge(METRICS.buildInfo, (set) => set({ version: VERSION }, 1));
  counter(METRICS.podSignals, (set) => {
    const s = state.signals ?? { events: { success: 0, failure: 0 }, conditions: { success: 0, failure: 0 } };
    for (const [kind, c] of [
      ['event', s.events],
      ['condition', s.conditions],
    ] as const) {
      set({ kind, result: 'success' }, c.success);
      set({ kind, result: 'failure' }, c.failure);
    }
  });

  const dcgm = state.dcgm;
  const gpu = () => dcgm?.scraper.current(Date.now());
  gauge(METRICS.dcgmUp, (set) => {
    if (dcgm !== undefined) set({}, dcgm.scraper.up ? 1 : 0);
  });
  gauge(METRICS.dcgmScrapeDuration, (set) => {
    if (dcgm !== undefined) set({}, dcgm.scraper.lastDurationSeconds);
  });
  counter(METRICS.dcgmErrors, (set) => {
    for (const [reason, n] of dcgm?.scraper.errors ?? []) set({ reason }, n);
  });
  gauge(METRICS.gpuInfo, (set) => {
    const l = dcgm?.scraper.latest;
    if (l === undefined) return;
    const g = l.gpu;
    set({ uuid: g.uuid, gpu: g.index, model: g.model, mig_profile: g.migProfile, mig_instance: g.migInstance, matched_by: l.by }, 1);
  });
  for (const f of DCGM_FIELDS) {
    gauge(METRICS[`gpu_${f.key}` as keyof typeof METRICS], (set) => {
      const v = gpu()?.values.get(f.key);
      if (v !== undefined) set({}, v);
    });
  }
  gauge(METRICS.gpuPodsSharing, (set) => {
    const g = gpu();
    if (g !== undefined && g.pods.size > 0) set({}, g.pods.size);
  });
  gauge(METRICS.gpuCotenant, (set) => {
    const g = gpu();
    if (g === undefined) return;
    const me = state.pod === undefined ? '' : `${state.pod.namespace}/${state.pod.name}`;
    let n = 0;
    for (const p of g.pods) {
      if (p === me || n >= MAX_COTENANTS) continue;
      const [ns = '', pod = ''] = p.split('/');
      set({ cotenant_namespace: ns, cotenant_pod: pod }, 1);
      n++;
    }
  });
  // The join is read once per scrape (its quantile scans and rank sort), shared by its three families.
  let joinedFor: object | undefined;
  let joinedRows: ReturnType<TenancyJoin['read']> extends Generator<infer R> ? R[] : never = [];
  const joined = () => {
    const current = snap();
    if (current !== joinedFor) {
      joinedFor = current;
      joinedRows = dcgm === undefined ? [] : [...dcgm.join.read()];
    }
    return joinedRows;
  };
  gauge(METRICS.tenancyLatency, (set) => {
    for (const j of joined())
      for (const t of TENANCIES) {
        const q = j.tenancy[t];
        if (q.count > 0)
          setQuantiles(
            set,
            { workload: j.workload, tenancy: t },
            q.quantilesNs.map((ns) => ns / 1e6),
          );
      }
  });
  counter(METRICS.tenancySamples, (set) => {
    for (const j of joined()) for (const t of TENANCIES) set({ workload: j.workload, tenancy: t }, j.tenancy[t].count);
  });
  gauge(METRICS.smCorrelation, (set) => {
    for (const j of joined()) set({ workload: j.workload }, j.rho);
  });

  if (opts.defaultMetrics !== false) {
    // prom-client samples the event-loop delay with a libuv timer every 10 ms by default: 100
    // wake-ups a second, most of an idle sidecar's CPU (issue 17). Once a second still catches
    // any stall longer than a second and costs 1/100th.
    collectDefaultMetrics({ register: registry, eventLoopMonitoringPrecision: 1000 });
    // Their per-type twins (nodejs_active_handles{type} ...) stay and carry the same counts.
    for (const name of GAUGES_NAMED_TOTAL) registry.removeSingleMetric(name);
  }
  const render = (): Promise<string> => {
    snapshots.invalidate();
    return registry.metrics();
  };
  return { registry, snapshots, render };
}
