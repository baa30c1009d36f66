/** Hostile dcgm-exporter bodies: huge, endless, slow, thousands of GPUs. Counts and memory asserted. */
import assert from 'node:assert/strict';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { DcgmScraper, MAX_BODY_BYTES } from '../../src/dcgm/scraper.js';
import { dcgmText } from './fake-dcgm.js';

const UUID = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';
const OURS = dcgmText([{ index: 0, uuid: UUID, pods: ['gpu/fft-0', 'gpu/gemm-0'] }]);
const FILLER = `${'DCGM_FI_DEV_PCIE_REPLAY_COUNTER{gpu="9",UUID="GPU-x",pci_bus_id="00000000:99:00.0",device="nvidia9"} 0\n'.repeat(1000)}`;

type Handler = (res: ServerResponse) => void;

describe('dcgm scraper against hostile bodies', () => {
  let handler: Handler = (res) => res.end(OURS);
  let url = '';
  const server = createServer((_req, res) => handler(res));
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const scraper = (timeoutMs = 2000) =>
    new DcgmScraper({ url, intervalMs: 5000, timeoutMs, selector: { pod: { namespace: 'gpu', name: 'fft-0' } } });

  it('an endless body is read up to the cap, counted too_large, and this GPU still found', async () => {
    let sent = 0;
    handler = (res) => {
      res.write(OURS);
      const more = (): void => {
        while (sent < 1e9 && res.write(FILLER)) sent += FILLER.length;
        if (sent < 1e9) res.once('drain', more);
        else res.end();
      };
      res.on('close', () => res.removeAllListeners('drain'));
      more();
    };
    const rss0 = process.memoryUsage().rss;
    const s = scraper();
    assert.equal(await s.scrapeOnce(), true);
    assert.equal(s.errors.get('too_large'), 1);
    assert.equal(s.latest?.gpu.pods.size, 2);
    assert.ok(sent < 1e9, 'the rest of the gigabyte was never sent');
    const grew = process.memoryUsage().rss - rss0;
    // Loose: the sending server shares this process (a whole gigabyte read would be ~1 GiB).
    assert.ok(grew < 128 * 2 ** 20, `RSS grew ${(grew / 2 ** 20).toFixed(0)} MiB`);
  });

  it('a body that trickles forever ends at the scrape timeout', async () => {
    handler = (res) => {
      res.write(OURS.slice(0, 200));
      const t = setInterval(() => res.write('# still here\n'), 50);
      res.on('close', () => clearInterval(t));
    };
    const s = scraper(300);
    assert.equal(await s.scrapeOnce(), false);
    assert.equal(s.errors.get('timeout'), 1);
  });

  it('2,000 GPUs (a 4 MB body) parse within the cap; this GPU is found and the GPU cap counts the rest', async () => {
    const gpus = Array.from({ length: 2000 }, (_, i) => ({ index: i, uuid: `GPU-${String(i).padStart(8, '0')}`, pods: [`ns/p${i}`] }));
    gpus[1500] = { index: 1500, uuid: UUID, pods: ['gpu/fft-0'] };
    const body = dcgmText(gpus);
    handler = (res) => res.end(body);
    const s = scraper();
    assert.ok(body.length > MAX_BODY_BYTES);
    assert.equal(await s.scrapeOnce(), true, 'found past the GPU cap (its series come within the byte cap)');
    assert.equal(s.latest?.gpu.uuid, UUID);
    assert.equal(s.errors.get('too_large'), 1);
  });

  it('one bad line among good ones is counted and skipped, not the whole scrape', async () => {
    handler = (res) => res.end(`${OURS}DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID=broken} 1\n`);
    const s = scraper();
    assert.equal(await s.scrapeOnce(), true);
    assert.equal(s.errors.get('bad_line'), 1);
  });
});
