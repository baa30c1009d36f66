/**
 * The status page in a real browser: Debian's Chromium driven by playwright-core (never a
 * downloaded browser). The screenshot is kept in test-artifacts/ for people to look at.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type Browser, chromium } from 'playwright-core';
import { resolveConfig } from '../../src/serve/config.js';
import { type RunningServer, startServe } from '../../src/serve/runtime.js';
import { captureH100Baseline, H100, ROOT, waitFor } from '../helpers.js';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(ROOT, 'test-artifacts');

describe('status page in headless Chromium', {
  skip: existsSync(CHROMIUM) ? false : `${CHROMIUM} not installed (.ci/run installs it)`,
}, () => {
  let server: RunningServer;
  let browser: Browser;
  let url: string;
  before(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-page-'));
    const baseline = join(dir, 'baseline.json');
    captureH100Baseline(baseline, ['solo-fft.log', 'solo-gemm.log']);
    const log = join(dir, 'shared.log');
    writeFileSync(log, readFileSync(`${H100}/shared-fft.log`, 'utf8') + readFileSync(`${H100}/shared-gemm.log`, 'utf8'));
    const cfg = resolveConfig({ source: [`file:${log}`], baseline, fromBeginning: true, listen: '127.0.0.1:0', logLevel: 'silent' }, {});
    server = await startServe(cfg, { logger: pino({ level: 'silent' }), historyIntervalMs: 50 });
    url = `http://127.0.0.1:${server.port}`;
    await waitFor(() => (server.tracker.get('GEMM')?.stats.samples ?? 0) === 590, 10_000, 'both workloads read');
    // A few history points for the sparkline.
    await new Promise((r) => setTimeout(r, 300));
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  it('shows each workload with p99 and DF on every clock, detection state and a sparkline', async () => {
    const page = await browser.newPage({ viewport: { width: 1100, height: 520 } });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    const res = await page.goto(url);
    assert.equal(res?.status(), 200);
    assert.equal(await page.title(), 'kts-exporter');
    assert.match((await page.locator('h1').textContent()) ?? '', /ready/);

    const fft = page.locator('section.card[data-workload="FFT"]');
    await fft.waitFor();
    assert.match((await fft.locator('.state').textContent()) ?? '', /contention detected/);
    const rows = await fft.locator('tr').allTextContents();
    const wall = rows.find((r) => r.startsWith('wall')) ?? '';
    const device = rows.find((r) => r.startsWith('device')) ?? '';
    // FFT on the H100: the wall clock shows the contention (DF 1.31), the device clock hides it (0.93).
    assert.match(wall, /1\.022 ms/);
    assert.match(wall, /1\.31×|1\.31x|1\.31/);
    assert.match(device, /0\.9[23]/);
    assert.equal(
      await fft.locator('tr:has(th:text-is("wall")) td.crit, tr:has(th:text-is("wall")) td.warn').count(),
      1,
      'the wall DF is flagged',
    );
    assert.equal(
      await fft.locator('tr:has(th:text-is("device")) td.crit, tr:has(th:text-is("device")) td.warn').count(),
      0,
      'not the device DF',
    );
    const queue = rows.find((r) => r.startsWith('queue')) ?? '';
    assert.match(queue, /ms/, 'the queueing clock has its row');
    const points = (await fft.locator('svg.spark polyline').getAttribute('points')) ?? '';
    assert.ok(points.split(' ').length >= 2, `sparkline points: ${points}`);
    assert.equal(await page.locator('section.card').count(), 2);

    mkdirSync(ARTIFACTS, { recursive: true });
    const png = await page.screenshot({ path: join(ARTIFACTS, 'status-page.png'), fullPage: true });
    assert.ok(png.length > 10_000, `screenshot of ${png.length} bytes`);
    assert.deepEqual(errors, []);
  });
});
