/** `kts serve` correlating with a (fake) node dcgm-exporter: two pods time-sliced on its GPU. */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { FakeDcgm } from '../dcgm/fake-dcgm.js';
import { H100, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';

const UUID = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';

describe('kts serve with dcgm-exporter correlation', () => {
  const fake = new FakeDcgm();
  let serve: ServeProcess;
  let log: string;
  before(async () => {
    await fake.start();
    fake.gpus = [
      { index: 0, uuid: UUID, pods: ['gpu/fft-0', 'gpu/gemm-0'], smActive: 0.74 },
      { index: 1, uuid: 'GPU-1c2b08c1-f602-d290-4519-863bc0c96079', pods: ['batch/train-0'] },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'kts-dcgm-'));
    log = join(dir, 'app.log');
    writeFileSync(log, '');
    serve = await startServeProcess(
      ['--source', `file:${log}`, '--dcgm-url', fake.url, '--dcgm-interval-ms', '500', '--dcgm-timeout-ms', '400'],
      {
        POD_NAME: 'fft-0',
        POD_NAMESPACE: 'gpu',
      },
    );
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await fake.stop();
  });

  it("shows this pod's GPU, its co-tenant count of 2 and the correlated series", async () => {
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_gpu_pods_sharing') === 2, 10_000, 'co-tenant count');
    assert.equal(series(text, 'kts_dcgm_up'), 1);
    assert.equal(series(text, 'kts_gpu_info', { uuid: UUID, gpu: '0', matched_by: 'pod', model: 'NVIDIA H100 80GB HBM3' }), 1);
    assert.equal(series(text, 'kts_gpu_cotenant_info', { cotenant_namespace: 'gpu', cotenant_pod: 'gemm-0' }), 1);
    assert.equal(series(text, 'kts_gpu_cotenant_info', { cotenant_namespace: 'gpu', cotenant_pod: 'fft-0' }), undefined, 'not itself');
    assert.equal(series(text, 'kts_gpu_sm_active_ratio'), 0.74);
    assert.equal(series(text, 'kts_gpu_utilization_ratio'), 0.87);
    assert.equal(series(text, 'kts_gpu_framebuffer_used_bytes'), 20480 * 2 ** 20);
    assert.equal(series(text, 'kts_gpu_power_watts'), 412.5);
    assert.equal(series(text, 'kts_gpu_sm_clock_hertz'), 1.98e9);
    assert.equal(series(text, 'kts_gpu_xid_error'), 0);
    assert.ok((series(text, 'kts_dcgm_scrape_duration_seconds') ?? 1) < 0.4);
  });

  it('attributes each iteration to the dcgm reading covering it', async () => {
    appendFileSync(log, readFileSync(`${H100}/shared-fft.log`));
    const text = await scrapeUntil(
      serve.url,
      (t) => series(t, 'kts_samples_by_tenancy_total', { workload: 'FFT', tenancy: 'shared' }) === 590,
      10_000,
      'joined samples',
    );
    assert.equal(series(text, 'kts_samples_by_tenancy_total', { workload: 'FFT', tenancy: 'alone' }), 0);
    const p99 = series(text, 'kts_latency_by_tenancy_seconds', { workload: 'FFT', tenancy: 'shared', percentile: '99' }) ?? 0;
    assert.ok(Math.abs(p99 - 0.001022) < 0.000006, `shared wall p99 ${p99}`);
    const status = (await (await fetch(`${serve.url}/api/status`)).json()) as {
      dcgm: { up: boolean; gpu: { uuid: string; pods_sharing: number } };
    };
    assert.equal(status.dcgm.up, true);
    assert.equal(status.dcgm.gpu.pods_sharing, 2);
  });

  it('dcgm failing or answering garbage touches neither latency metrics nor readiness', async () => {
    fake.mode = 'garbage';
    let text = await scrapeUntil(serve.url, (t) => series(t, 'kts_dcgm_up') === 0, 10_000, 'dcgm down');
    assert.ok((series(text, 'kts_dcgm_scrape_errors_total', { reason: 'parse' }) ?? 0) >= 1);
    fake.mode = 'slow';
    text = await scrapeUntil(
      serve.url,
      (t) => (series(t, 'kts_dcgm_scrape_errors_total', { reason: 'timeout' }) ?? 0) >= 1,
      10_000,
      'timeouts',
    );
    assert.equal((await fetch(`${serve.url}/readyz`)).status, 200);
    appendFileSync(log, readFileSync(`${H100}/solo-gemm.log`));
    text = await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'GEMM' }) === 590, 10_000, 'GEMM counted');
    assert.ok((series(text, 'kts_latency_seconds', { workload: 'GEMM', clock: 'wall', window: 'total', percentile: '99' }) ?? 0) > 0);
    fake.mode = 'ok';
    await scrapeUntil(serve.url, (t) => series(t, 'kts_dcgm_up') === 1, 40_000, 'dcgm back');
  });
});
