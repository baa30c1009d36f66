/**
 * Every metric kts-exporter exposes, declared once. The registry, METRICS.md and the
 * contract test that compares them with live /metrics are all generated from this list.
 */

import { DCGM_FIELDS } from '../dcgm/fields.js';

export type MetricType = 'gauge' | 'counter' | 'histogram';

export interface MetricSpec {
  readonly name: string;
  readonly type: MetricType;
  readonly help: string;
  readonly labels: readonly string[];
  /** Where the metric comes from, for METRICS.md grouping. */
  readonly group: 'latency' | 'detection' | 'baseline' | 'input' | 'gpu' | 'cost' | 'guard' | 'sidecar';
}

function m<const L extends readonly string[]>(
  name: string,
  type: MetricType,
  group: MetricSpec['group'],
  labels: L,
  help: string,
): MetricSpec & { labels: L } {
  return { name, type, group, labels, help };
}

export const METRICS = {
  iterationDuration: m(
    'kts_iteration_duration_seconds',
    'histogram',
    'latency',
    ['workload', 'clock'],
    'Iteration latency per clock (device: CUDA events; wall: host span), every counted iteration since start.',
  ),
  latency: m(
    'kts_latency_seconds',
    'gauge',
    'latency',
    ['workload', 'clock', 'window', 'percentile'],
    'Latency percentiles (50, 95, 99, 99.9) from HDR histograms over the window (1m, 5m, total).',
  ),
  jitter: m('kts_jitter_ratio', 'gauge', 'latency', ['workload', 'clock', 'window'], 'Jitter: p99 / p50 over the window.'),
  queueingDelay: m(
    'kts_queueing_delay_seconds',
    'gauge',
    'latency',
    ['workload', 'window', 'percentile'],
    'Queueing delay (wall minus device, clamped at 0) percentiles (50, 95, 99, 99.9) over the window.',
  ),
  throughput: m(
    'kts_throughput_iterations_per_second',
    'gauge',
    'latency',
    ['workload', 'window'],
    'Observed iteration rate: iterations counted in the window divided by its length (total: since the first iteration).',
  ),
  throughputProxy: m(
    'kts_throughput_proxy_iterations_per_second',
    'gauge',
    'latency',
    ['workload', 'clock', 'window'],
    "The seed experiment's throughput proxy: 1 / mean latency over the window.",
  ),
  p99Bucket: m(
    'kts_p99_bucket_bound_seconds',
    'gauge',
    'latency',
    ['workload', 'window', 'bound'],
    'Workloads read from their own Prometheus histogram (prom: sources) only: the bucket holding the wall p99, bound="lower" and bound="upper" (+Inf above the largest finite bucket). The true p99 lies between them; kts_latency_seconds interpolates inside it and kts_degradation_factor is 1 while the live and the baseline p99 share a bucket.',
  ),
  serverStageMean: m(
    'kts_server_stage_mean_seconds',
    'gauge',
    'latency',
    ['workload', 'stage'],
    "Mean time per request in each stage over the latest prom: scrape interval, from the server's cumulative counters (Triton: stage queue, compute_infer). A mean only: no quantile, no tail; NaN when no request ended in the interval.",
  ),
  promProblems: m(
    'kts_prom_source_problems_total',
    'counter',
    'input',
    ['source', 'reason'],
    'prom: sources: scrape intervals not counted, by reason: down, timeout, http_status, too_large (body over --prom-max-bytes), missing_histogram, missing_bucket, not_finite (NaN/Inf), layout_mismatch (series disagree), layout_changed, counter_reset (the workload restarted), not_cumulative.',
  ),
  samples: m('kts_samples_total', 'counter', 'latency', ['workload'], 'Iterations counted (warmup excluded).'),
  busy: m(
    'kts_busy_seconds_total',
    'counter',
    'cost',
    ['workload', 'clock'],
    'GPU time the workload used: clock="device" sums its device times (kernels running), clock="wall" its wall spans (launch to synchronize, waiting included). Counted iterations only; the basis of GPU cost per team.',
  ),
  tierInfo: m(
    'kts_tier_info',
    'gauge',
    'cost',
    ['tier'],
    "Always 1, labelled with the pod's priority tier (kts.dev/tier: gold, elastic, or none). Join on the pod's target labels to split any kts series by tier.",
  ),
  lastSample: m('kts_last_sample_timestamp_seconds', 'gauge', 'latency', ['workload'], 'Epoch of the end of the newest counted iteration.'),
  degradation: m(
    'kts_degradation_factor',
    'gauge',
    'detection',
    ['workload', 'clock', 'window'],
    'Degradation factor: live p99 / stored baseline p99 of the same clock (queue: both floored, docs/detection.md). Absent without a baseline.',
  ),
  exceedance: m(
    'kts_tail_exceedance_ratio',
    'gauge',
    'detection',
    ['workload', 'clock', 'window'],
    'Share of iterations in the window slower than the baseline p99 (about 0.01 when the baseline holds).',
  ),
  contention: m(
    'kts_contention_detected',
    'gauge',
    'detection',
    ['workload', 'clock'],
    '1 while the sequential test (window-limited GLR on exceedances of the baseline p95, p99 and p99.9) detects tail contention on the clock (device, wall, queue), else 0.',
  ),
  contentionScore: m(
    'kts_contention_score_ratio',
    'gauge',
    'detection',
    ['workload', 'clock'],
    'The largest GLR statistic of the clock divided by its alarm threshold: detection switches on at 1.',
  ),
  contentionOnsets: m(
    'kts_contention_onsets_total',
    'counter',
    'detection',
    ['workload', 'clock'],
    'Times contention detection switched on.',
  ),
  aloneDegradation: m(
    'kts_alone_degradation_factor',
    'gauge',
    'detection',
    ['workload', 'clock', 'window'],
    'Live p99 / p99 of the rolling alone reference (the last 2048 samples taken while alone on the GPU; queue floored). Absent until it holds 1000 samples.',
  ),
  aloneSamples: m(
    'kts_alone_reference_samples',
    'gauge',
    'baseline',
    ['workload'],
    'Samples in the rolling alone reference (taken while dcgm-exporter maps one pod to the GPU, or without dcgm while the queueing detector is quiet).',
  ),
  baselineMismatch: m(
    'kts_baseline_mismatch',
    'gauge',
    'baseline',
    ['workload', 'clock', 'direction'],
    '1 when the stored baseline no longer describes the workload alone (direction: the workload alone is faster or slower than it), else 0. Told while the workload is alone and its alone reference is full enough.',
  ),
  threshold: m(
    'kts_degradation_threshold',
    'gauge',
    'detection',
    ['workload', 'severity'],
    'Degradation-factor threshold in force for the workload (severity: warning, critical), for alert rules to compare against.',
  ),
  baselineLatency: m(
    'kts_baseline_latency_seconds',
    'gauge',
    'baseline',
    ['workload', 'clock', 'percentile'],
    'The stored solo baseline in use (percentiles 50, 95, 99, 99.9).',
  ),
  baselineLoaded: m(
    'kts_baseline_loaded',
    'gauge',
    'baseline',
    ['workload'],
    '1 when a stored baseline is in use for the workload, 0 when none matched (no DF or detection then).',
  ),
  baselineInfo: m(
    'kts_baseline_info',
    'gauge',
    'baseline',
    ['workload', 'profile', 'captured_at'],
    'Always 1: which baseline profile is in use for the workload.',
  ),
  baselineReloads: m('kts_baseline_reloads_total', 'counter', 'baseline', ['result'], 'Baseline (re)loads by result (success, failure).'),
  lines: m('kts_lines_total', 'counter', 'input', ['result'], 'Input lines by result: parsed, ignored (not KTS_APP), malformed.'),
  malformed: m('kts_malformed_lines_total', 'counter', 'input', ['reason'], 'Malformed KTS_APP lines by validation reason.'),
  dropped: m(
    'kts_dropped_samples_total',
    'counter',
    'input',
    ['reason'],
    'Valid samples not counted: workload_cap (more workloads than --max-workloads), duplicate (re-delivered after a reconnect).',
  ),
  warmup: m('kts_warmup_samples_total', 'counter', 'input', [], 'Samples skipped as warmup (phase=warmup or iteration below --warmup).'),
  workloads: m('kts_workloads', 'gauge', 'input', [], 'Workloads tracked (at most --max-workloads).'),
  sourceUp: m('kts_source_up', 'gauge', 'sidecar', ['source'], '1 while the source is attached and reading, else 0.'),
  sourceRestarts: m(
    'kts_source_restarts_total',
    'counter',
    'sidecar',
    ['source', 'reason'],
    'Times a source re-opened its input (rotation, truncation, reconnect, re-creation).',
  ),
  podSignals: m(
    'kts_pod_signals_total',
    'counter',
    'sidecar',
    ['kind', 'result'],
    'Kubernetes Events and kts.dev/TailContention condition updates on the own pod (kind: event, condition; result: success, failure).',
  ),
  guardLeader: m('kts_guard_leader', 'gauge', 'guard', [], '1 while this kts guard replica holds the Lease and acts, else 0.'),
  guardActions: m(
    'kts_guard_actions_total',
    'counter',
    'guard',
    ['action', 'result'],
    'Guard actions by kind (taint, untaint, evict) and result (ok, dry_run, refused: a PodDisruptionBudget said no, conflict: the node changed, gone, error).',
  ),
  guardGoldPods: m(
    'kts_guard_gold_pods',
    'gauge',
    'guard',
    ['state'],
    'Running gold pods at the last pass: active (samples arriving), idle, unknown (sidecar unreadable: its node keeps the taint).',
  ),
  guardTaintedNodes: m(
    'kts_guard_tainted_nodes',
    'gauge',
    'guard',
    [],
    'Nodes carrying the kts.dev/gold-active taint after the last pass.',
  ),
  guardReconciles: m(
    'kts_guard_reconciles_total',
    'counter',
    'guard',
    ['result'],
    'Reconcile passes made while leading, by result (ok, error).',
  ),
  buildInfo: m('kts_build_info', 'gauge', 'sidecar', ['version'], 'Always 1, labelled with the kts-exporter version.'),
  dcgmUp: m(
    'kts_dcgm_up',
    'gauge',
    'gpu',
    [],
    '1 when the last scrape of the node dcgm-exporter succeeded, else 0 (absent without --dcgm-url).',
  ),
  dcgmScrapeDuration: m('kts_dcgm_scrape_duration_seconds', 'gauge', 'gpu', [], 'Duration of the last dcgm-exporter scrape.'),
  dcgmErrors: m(
    'kts_dcgm_scrape_errors_total',
    'counter',
    'gpu',
    ['reason'],
    "Failed dcgm-exporter scrapes by reason: timeout, connect, http_status, parse, no_gpu (this pod's GPU not found); and what was cut from usable ones: too_large (a body over 4 MiB, read up to there), bad_line (each unreadable line, skipped).",
  ),
  gpuInfo: m(
    'kts_gpu_info',
    'gauge',
    'gpu',
    ['uuid', 'gpu', 'model', 'mig_profile', 'mig_instance', 'matched_by'],
    'Always 1: the GPU (or MIG instance) of this pod, and how it was found (pod, uuid, index).',
  ),
  gpuPodsSharing: m(
    'kts_gpu_pods_sharing',
    'gauge',
    'gpu',
    [],
    'Pods dcgm-exporter maps to this GPU (or MIG instance), this one included.',
  ),
  gpuCotenant: m(
    'kts_gpu_cotenant_info',
    'gauge',
    'gpu',
    ['cotenant_namespace', 'cotenant_pod'],
    'Always 1: the other pods on this GPU (at most 16 series).',
  ),
  tenancyLatency: m(
    'kts_latency_by_tenancy_seconds',
    'gauge',
    'gpu',
    ['workload', 'tenancy', 'percentile'],
    'Wall-clock latency percentiles (50, 95, 99, 99.9) of iterations while the GPU was alone vs shared (dcgm pod mapping at the time), since start.',
  ),
  tenancySamples: m(
    'kts_samples_by_tenancy_total',
    'counter',
    'gpu',
    ['workload', 'tenancy'],
    'Iterations attributed to a dcgm reading with the GPU alone vs shared.',
  ),
  smCorrelation: m(
    'kts_latency_sm_active_correlation',
    'gauge',
    'gpu',
    ['workload'],
    "Spearman rank correlation (-1..1) of per-iteration wall latency with the GPU's SM activity, last 2000 iterations.",
  ),
  ...Object.fromEntries(DCGM_FIELDS.map((f) => [`gpu_${f.key}`, m(`kts_gpu_${f.key}`, 'gauge', 'gpu', [], f.help)])),
} as const satisfies Record<string, MetricSpec>;

export const CATALOG: readonly MetricSpec[] = Object.values(METRICS);

/** Histogram buckets of kts_iteration_duration_seconds, in seconds. */
export const DURATION_BUCKETS = [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;
