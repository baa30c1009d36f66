/**
 * Live /metrics passes `promtool check metrics` with no complaint: a real `kts serve` with a
 * baseline, a shared run's lines and the (fake) dcgm-exporter correlation, so that every family
 * it can expose has series, prom-client's default metrics included.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { FakeDcgm } from '../dcgm/fake-dcgm.js';
import { captureH100Baseline, H100, scrapeUntil, series, startServeProcess } from '../helpers.js';

describe('promtool check metrics on live /metrics', () => {
  it('reports nothing', async () => {
    const fake = new FakeDcgm();
    await fake.start();
    fake.gpus = [{ index: 0, uuid: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026', pods: ['gpu/fft-0', 'gpu/gemm-0'], smActive: 0.7 }];
    const dir = mkdtempSync(join(tmpdir(), 'kts-promtool-'));
    const log = join(dir, 'app.log');
    writeFileSync(log, '');
    const serve = await startServeProcess(
      [
        '--source',
        `file:${log}`,
        '--baseline',
        captureH100Baseline(join(dir, 'baseline.json')),
        '--dcgm-url',
        fake.url,
        '--dcgm-interval-ms',
        '200',
        '--dcgm-timeout-ms',
        '150',
      ],
      { POD_NAME: 'fft-0', POD_NAMESPACE: 'gpu' },
    );
    try {
      // The lines arrive once a dcgm reading is in, so that they are attributed to a tenancy.
      await scrapeUntil(serve.url, (t) => series(t, 'kts_gpu_pods_sharing') === 2, 10_000, 'a dcgm reading');
      appendFileSync(log, readFileSync(`${H100}/shared-fft.log`));
      const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'FFT' }) === 590, 10_000, 'all lines');
      assert.match(text, /^kts_latency_by_tenancy_seconds\{/m, 'the tenancy family has series');
      assert.match(text, /^nodejs_active_handles\{/m, "prom-client's default metrics are there");
      const r = spawnSync('promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' });
      assert.equal(r.error, undefined, 'promtool runs (Debian package prometheus)');
      assert.equal(`${r.stdout}${r.stderr}`.trim(), '');
      assert.equal(r.status, 0);
    } finally {
      await serve.stop();
      await fake.stop();
    }
  });
});
