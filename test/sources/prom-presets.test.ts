/**
 * Every preset reads its server's histogram from an exposition in that server's naming. The
 * family and label names are those of each server's source (docs/prom-source.md gives the
 * files and commits): vLLM vllm/v1/metrics/loggers.py, SGLang
 * python/sglang/srt/metrics/collector.py (commit 00ae9c15), TGI router/src/server.rs (commit
 * 003eaec0, no labels, Rust metrics-exporter-prometheus), Triton's metrics guide
 * (nv_inference_first_response_histogram_ms). The SGLang inter-token bounds are its collector's
 * first ones; the other bucket bounds here are placeholders: kts reads every layout from the
 * scrape and assumes none.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { PRESET_NAMES, PRESETS } from '../../src/sources/prom-presets.js';
import { readHistogram } from '../../src/sources/prom-text.js';

function histogram(name: string, labels: string, bounds: readonly number[], counts: readonly number[]): string {
  const l = labels === '' ? '' : `${labels},`;
  const lines = [`# HELP ${name} from the server`, `# TYPE ${name} histogram`];
  for (const [i, b] of bounds.entries()) lines.push(`${name}_bucket{${l}le="${b}"} ${counts[i]}`);
  lines.push(`${name}_bucket{${l}le="+Inf"} ${counts.at(-1)}`);
  lines.push(`${name}_sum${labels === '' ? '' : `{${labels}}`} 1.5`, `${name}_count${labels === '' ? '' : `{${labels}}`} ${counts.at(-1)}`);
  return `${lines.join('\n')}\n`;
}

const EXPOSITIONS: Record<(typeof PRESET_NAMES)[number], { text: string; labels: Map<string, string> }> = {
  'vllm-itl': {
    text: histogram('vllm:inter_token_latency_seconds', 'model_name="llama",engine="0"', [0.01, 0.025], [1, 5, 6]),
    labels: new Map([['model_name', 'llama']]),
  },
  'vllm-ttft': {
    text: histogram('vllm:time_to_first_token_seconds', 'model_name="llama",engine="0"', [0.1, 0.25], [1, 5, 6]),
    labels: new Map(),
  },
  'vllm-e2e': {
    text: histogram('vllm:e2e_request_latency_seconds', 'model_name="llama",engine="0"', [0.3, 0.5], [1, 5, 6]),
    labels: new Map(),
  },
  'vllm-queue': {
    text: histogram('vllm:request_queue_time_seconds', 'model_name="llama",engine="0"', [0.3, 0.5], [1, 5, 6]),
    labels: new Map(),
  },
  'sglang-itl': {
    text: histogram('sglang:inter_token_latency_seconds', 'model_name="qwen"', [0.002, 0.004, 0.006, 0.008, 0.01], [0, 1, 3, 5, 6, 6]),
    labels: new Map([['model_name', 'qwen']]),
  },
  'sglang-ttft': { text: histogram('sglang:time_to_first_token_seconds', 'model_name="qwen"', [0.1, 0.2], [1, 5, 6]), labels: new Map() },
  'sglang-e2e': { text: histogram('sglang:e2e_request_latency_seconds', 'model_name="qwen"', [0.1, 0.2], [1, 5, 6]), labels: new Map() },
  'sglang-queue': { text: histogram('sglang:queue_time_seconds', 'model_name="qwen"', [0.1, 0.2], [1, 5, 6]), labels: new Map() },
  'tgi-tpot': { text: histogram('tgi_request_mean_time_per_token_duration', '', [0.01, 0.05], [1, 5, 6]), labels: new Map() },
  'tgi-e2e': { text: histogram('tgi_request_duration', '', [0.5, 1], [1, 5, 6]), labels: new Map() },
  'tgi-queue': { text: histogram('tgi_request_queue_duration', '', [0.01, 0.1], [1, 5, 6]), labels: new Map() },
  'triton-first-response': {
    text: histogram('nv_inference_first_response_histogram_ms', 'model="resnet",version="1"', [1, 5], [1, 5, 6]),
    labels: new Map([['model', 'resnet']]),
  },
};

describe('presets read their servers histograms', () => {
  for (const name of PRESET_NAMES) {
    it(name, () => {
      const e = EXPOSITIONS[name];
      const r = readHistogram(e.text, PRESETS[name].names, e.labels);
      assert.ok(r.ok, r.ok ? '' : r.message);
      assert.equal(r.reading.count, 6);
    });
  }
  it("vLLM's older name is read when the newer is absent", () => {
    const r = readHistogram(
      histogram('vllm:time_per_output_token_seconds', 'model_name="llama",engine="0"', [0.01], [2, 3]),
      PRESETS['vllm-itl'].names,
      new Map(),
    );
    assert.ok(r.ok && r.reading.name === 'vllm:time_per_output_token_seconds');
  });
});
