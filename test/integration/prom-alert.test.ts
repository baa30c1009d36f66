/**
 * The prom: source end to end (issue 16): the bundled vLLM-style recording served by
 * scripts/prom-replay.mjs, `kts serve --source prom: --preset vllm-itl` against the bundled
 * baseline, scraped by the real Prometheus with the bundle's rules (`for:` divided by 60):
 * the degradation alert for the workload that prints nothing reaches Alertmanager's receiver.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { type RecordingRun, serveRecording } from '../serve/prom-recording.js';
import { ALERTMANAGER, installed, PROMETHEUS, Stack, scaledRules } from './stack.js';

describe('prom: source through real Prometheus and Alertmanager', {
  skip: installed(PROMETHEUS, ALERTMANAGER) ? false : 'prometheus / prometheus-alertmanager not installed (.ci/run installs them)',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-prom-alert-'));
  const stack = new Stack(dir);
  let run: RecordingRun | undefined;
  after(async () => {
    await run?.stop();
    await stack.stop();
  });

  it('fires KtsTailDegradationWarning for the slowed vLLM workload', async () => {
    await stack.start([scaledRules(dir)]);
    run = await serveRecording(8, ['--prom-interval-ms', '250']);
    stack.setTargets([{ address: new URL(run.serve.url).host, labels: { namespace: 'llm', pod: 'vllm-0', container: 'kts-sidecar' } }]);
    await stack.until(
      async () =>
        stack.deliveries.some((d) =>
          d.alerts.some(
            (a) => a.labels.alertname === 'KtsTailDegradationWarning' && a.labels.workload === 'vllm-itl' && a.status === 'firing',
          ),
        ),
      60_000,
      'KtsTailDegradationWarning for vllm-itl at the receiver',
    );
    const alert = stack.deliveries.flatMap((d) => d.alerts).find((a) => a.labels.alertname === 'KtsTailDegradationWarning');
    assert.equal(alert?.labels.clock, 'wall');
    assert.equal(alert?.labels.pod, 'vllm-0');
  });
});
