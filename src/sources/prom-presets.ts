/**
 * Presets for the latency histograms inference servers already expose. Names, units and
 * label names come from the servers' own code (docs/prom-source.md says which versions):
 * vLLM `vllm/v1/metrics/loggers.py` (labels model_name, engine), SGLang
 * `python/sglang/srt/metrics/collector.py` (label model_name and more), Text Generation
 * Inference `router/src` (no labels; the `metrics` crate's exporter), Triton
 * `src/metric_model_reporter.cc` in triton-inference-server/core (labels model, version;
 * the histogram only with `--metrics-config histogram_latencies=true`). Bucket layouts are
 * read from each scrape, never assumed.
 */

import type { StageCounters } from './prom-counters.js';

export interface PromPreset {
  /** Histogram names, the first present wins (older names as fallbacks). */
  readonly names: readonly string[];
  /** Nanoseconds per unit of the histogram. */
  readonly nsPerUnit: number;
  /** Label names a --prom-labels filter usually picks from. */
  readonly labels: readonly string[];
  readonly what: string;
  /** Cumulative per-stage duration counters beside the histogram (a mean per interval only). */
  readonly stages?: StageCounters;
}

const S = 1e9;
const MS = 1e6;

export const PRESETS = {
  'vllm-itl': {
    names: ['vllm:inter_token_latency_seconds', 'vllm:time_per_output_token_seconds'],
    nsPerUnit: S,
    labels: ['model_name', 'engine'],
    what: 'vLLM inter-token latency (one decode step)',
  },
  'vllm-ttft': {
    names: ['vllm:time_to_first_token_seconds'],
    nsPerUnit: S,
    labels: ['model_name', 'engine'],
    what: 'vLLM time to first token',
  },
  'vllm-e2e': {
    names: ['vllm:e2e_request_latency_seconds'],
    nsPerUnit: S,
    labels: ['model_name', 'engine'],
    what: 'vLLM end-to-end request latency',
  },
  'vllm-queue': {
    names: ['vllm:request_queue_time_seconds'],
    nsPerUnit: S,
    labels: ['model_name', 'engine'],
    what: 'vLLM time spent waiting',
  },
  'sglang-itl': { names: ['sglang:inter_token_latency_seconds'], nsPerUnit: S, labels: ['model_name'], what: 'SGLang inter-token latency' },
  'sglang-ttft': {
    names: ['sglang:time_to_first_token_seconds'],
    nsPerUnit: S,
    labels: ['model_name'],
    what: 'SGLang time to first token',
  },
  'sglang-e2e': {
    names: ['sglang:e2e_request_latency_seconds'],
    nsPerUnit: S,
    labels: ['model_name'],
    what: 'SGLang end-to-end request latency',
  },
  'sglang-queue': { names: ['sglang:queue_time_seconds'], nsPerUnit: S, labels: ['model_name'], what: 'SGLang queue time' },
  'tgi-tpot': {
    names: ['tgi_request_mean_time_per_token_duration'],
    nsPerUnit: S,
    labels: [],
    what: 'TGI mean time per token of each request (prefill included)',
  },
  'tgi-e2e': { names: ['tgi_request_duration'], nsPerUnit: S, labels: [], what: 'TGI end-to-end request duration' },
  'tgi-queue': { names: ['tgi_request_queue_duration'], nsPerUnit: S, labels: [], what: 'TGI queue duration' },
  'triton-first-response': {
    names: ['nv_inference_first_response_histogram_ms'],
    nsPerUnit: MS,
    labels: ['model', 'version'],
    what: 'Triton time to the first response (histogram_latencies=true)',
    // Triton's always-on counters: microseconds summed over the successful requests.
    stages: {
      requests: 'nv_inference_request_success',
      stages: [
        { stage: 'queue', duration: 'nv_inference_queue_duration_us', nsPerUnit: 1e3 },
        { stage: 'compute_infer', duration: 'nv_inference_compute_infer_duration_us', nsPerUnit: 1e3 },
      ],
    },
  },
} as const satisfies Record<string, PromPreset>;

export type PresetName = keyof typeof PRESETS;
export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

/** Unit suffixes of a generic histogram name: `_seconds`, `_ms`, `_us` (else seconds, Prometheus' base unit). */
export function nsPerUnitOf(name: string): number {
  if (/_(ms|milliseconds)$/.test(name)) return 1e6;
  if (/_(us|microseconds)$/.test(name)) return 1e3;
  if (/_(ns|nanoseconds)$/.test(name)) return 1;
  return S;
}
