/**
 * The README's example of the prom: source, on the bundled recording: scripts/prom-replay.mjs
 * serves test/fixtures/prom/vllm-itl-recording.jsonl (60 s alone, then 60 s 3x slower) and
 * `kts serve --source prom: --preset vllm-itl` against the bundled baseline shows a live DF
 * and detects the slowdown, for a workload that prints nothing.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, describe, it } from 'node:test';
import { ROOT, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';
import { freePort } from '../integration/stack.js';

describe('the prom: source on the bundled vLLM recording (README example)', () => {
  const children: { kill: () => void }[] = [];
  let serve: ServeProcess | undefined;
  after(async () => {
    await serve?.stop('SIGKILL');
    for (const c of children) c.kill();
  });

  it('shows a live DF above 1 once the recording slows, and detects it', async () => {
    const port = await freePort();
    const replay = spawn(
      process.execPath,
      [`${ROOT}scripts/prom-replay.mjs`, `${ROOT}test/fixtures/prom/vllm-itl-recording.jsonl`, '--port', String(port), '--speed', '20'],
      { stdio: 'ignore' },
    );
    children.push({ kill: () => replay.kill('SIGKILL') });
    serve = await startServeProcess([
      '--source',
      `prom:http://127.0.0.1:${port}/metrics`,
      '--preset',
      'vllm-itl',
      '--baseline',
      `${ROOT}test/fixtures/prom/vllm-itl-baseline.json`,
      // no --prom-timeout-ms: its default follows the shorter interval
      '--prom-interval-ms',
      '100',
      '--dcgm-url',
      'none',
    ]);
    const text = await scrapeUntil(
      serve.url,
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
