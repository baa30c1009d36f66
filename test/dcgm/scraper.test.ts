import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { TenancyJoin } from '../../src/dcgm/join.js';
import { DcgmScraper } from '../../src/dcgm/scraper.js';
import { spearman } from '../../src/stats/rank.js';
import { freePort } from '../integration/stack.js';
import { FakeDcgm } from './fake-dcgm.js';

const UUID = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';

describe('dcgm scraper against a fake dcgm-exporter', () => {
  const fake = new FakeDcgm();
  before(async () => {
    await fake.start();
  });
  after(() => fake.stop());

  const scraper = (url = fake.url) =>
    new DcgmScraper({ url, intervalMs: 100, timeoutMs: 300, selector: { pod: { namespace: 'gpu', name: 'fft-0' } } });

  it("reads this pod's GPU and its co-tenants", async () => {
    fake.mode = 'ok';
    fake.gpus = [{ index: 0, uuid: UUID, pods: ['gpu/fft-0', 'gpu/gemm-0'] }];
    const s = scraper();
    assert.equal(await s.scrapeOnce(), true);
    assert.equal(s.up, true);
    assert.equal(s.latest?.by, 'pod');
    assert.equal(s.latest?.gpu.pods.size, 2);
    assert.ok(s.lastDurationSeconds > 0 && s.lastDurationSeconds < 1);
    assert.ok(s.current(Date.now()) !== undefined);
    assert.equal(s.current(Date.now() + 10_000), undefined, 'a stale reading covers nothing');
  });

  it('counts each failure by reason and recovers', async () => {
    const s = scraper();
    fake.mode = 'slow';
    fake.slowMs = 1000;
    assert.equal(await s.scrapeOnce(), false);
    fake.mode = 'fail';
    assert.equal(await s.scrapeOnce(), false);
    fake.mode = 'garbage';
    assert.equal(await s.scrapeOnce(), false);
    assert.equal(s.up, false);
    fake.mode = 'ok';
    fake.gpus = [{ index: 0, uuid: UUID, pods: ['other/pod'] }];
    assert.equal(await s.scrapeOnce(), false);
    assert.equal(s.up, true, 'dcgm answered; only our GPU is unknown');
    const closed = scraper(`http://127.0.0.1:${await freePort()}/metrics`);
    assert.equal(await closed.scrapeOnce(), false);
    // The garbage body's two lines are each counted as a bad line, and the scrape as unparseable.
    assert.deepEqual(Object.fromEntries(s.errors), {
      timeout: 1,
      connect: 0,
      http_status: 1,
      parse: 1,
      no_gpu: 1,
      too_large: 0,
      bad_line: 2,
    });
    assert.equal(closed.errors.get('connect'), 1);
    fake.gpus = [{ index: 0, uuid: UUID, pods: ['gpu/fft-0'] }];
    assert.equal(await s.scrapeOnce(), true);
    assert.equal(s.up, true);
    assert.equal(s.lastError, undefined);
  });

  it('keeps scraping on its own interval and backs off while failing', async () => {
    fake.mode = 'fail';
    const before = fake.requests;
    const s = scraper();
    s.start();
    await new Promise((r) => setTimeout(r, 1000));
    const failing = fake.requests - before;
    fake.mode = 'ok';
    await new Promise((r) => setTimeout(r, 1500));
    await s.stop();
    // 100 ms interval: ~10 requests a second when healthy; doubling back-off while failing.
    assert.ok(failing >= 2 && failing <= 5, `${failing} requests while failing`);
    assert.equal(s.up, true);
  });
});

describe('per-iteration join', () => {
  it('splits latency by co-tenancy and correlates it with SM activity', () => {
    const join = new TenancyJoin();
    const gpu = (pods: number, sm: number) => ({
      key: UUID,
      uuid: UUID,
      index: '0',
      model: 'H100',
      migProfile: '',
      migInstance: '',
      values: new Map([['sm_active_ratio', sm]]),
      podValues: new Map(),
      pods: new Set(Array.from({ length: pods }, (_, i) => `gpu/p${i}`)),
    });
    for (let i = 0; i < 500; i++) join.observe('FFT', 600_000 + (i % 10) * 1000, gpu(1, 0.3));
    for (let i = 0; i < 500; i++) join.observe('FFT', 900_000 + (i % 10) * 5000, gpu(2, 0.8 + (i % 10) / 100));
    join.observe('FFT', 1, undefined);
    const [r] = [...join.read()];
    assert.equal(r?.tenancy.alone.count, 500);
    assert.equal(r?.tenancy.shared.count, 500);
    const p99 = (t: 'alone' | 'shared') => (r?.tenancy[t].quantilesNs[2] ?? 0) / 1e6;
    assert.ok(Math.abs(p99('alone') - 0.609) < 0.001, `alone p99 ${p99('alone')}`);
    assert.ok(Math.abs(p99('shared') - 0.945) < 0.001, `shared p99 ${p99('shared')}`);
    assert.ok((r?.rho ?? 0) > 0.9, `rho ${r?.rho}`);
    assert.equal(join.unattributed, 1);
  });

  it('Spearman handles ties and constants', () => {
    assert.equal(spearman([1, 2, 3, 4], [10, 20, 30, 40]), 1);
    assert.equal(spearman([1, 2, 3, 4], [4, 3, 2, 1]), -1);
    assert.ok(Number.isNaN(spearman([1, 2, 3], [5, 5, 5])));
    assert.ok(Math.abs(spearman([1, 2, 2, 3], [1, 2, 3, 4]) - 0.9487) < 1e-3);
  });
});
