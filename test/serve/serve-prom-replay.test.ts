/**
 * The README's example of the prom: source, on the bundled recording: scripts/prom-replay.mjs
 * serves test/fixtures/prom/vllm-itl-recording.jsonl (60 s alone, then 60 s 3x slower) and
 * `kts serve --source prom: --preset vllm-itl` against the bundled baseline shows a live DF
 * and detects the slowdown, for a workload that prints nothing.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { scrapeUntil, series } from '../helpers.js';
import { type RecordingRun, serveRecording } from './prom-recording.js';

describe('the prom: source on the bundled vLLM recording (README example)', () => {
  let run: RecordingRun | undefined;
  after(async () => {
    await run?.stop();
  });

  it('shows a live DF above 1 once the recording slows, and detects it', async () => {
    // no --prom-timeout-ms: its default follows the shorter interval
    run = await serveRecording(20, ['--prom-interval-ms', '100']);
    const text = await scrapeUntil(
      run.serve.url,
      (t) =>
        (series(t, 'kts_contention_detected', { workload: 'vllm-itl', clock: 'wall' }) ?? 0) === 1 &&
        (series(t, 'kts_degradation_factor', { workload: 'vllm-itl', clock: 'wall', window: '1m' }) ?? 0) > 1.2,
      20_000,
      'detection and a 1m DF above 1.2 on the slowed phase',
    );
    const df = series(text, 'kts_degradation_factor', { workload: 'vllm-itl', clock: 'wall', window: '1m' }) ?? 0;
    assert.ok(df > 1, `wall DF (1m) ${df}`);
    assert.equal(series(text, 'kts_baseline_loaded', { workload: 'vllm-itl' }), 1);
  });
});
