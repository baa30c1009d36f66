import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { redactText, redactUrl } from '../../src/io/redact.js';
import { ROOT, startServeProcess } from '../helpers.js';

describe('credentials in URLs', () => {
  it('are removed from URLs and from messages that carry them', () => {
    assert.equal(redactUrl('http://admin:s3cret@10.0.0.1:9400/metrics'), 'http://***@10.0.0.1:9400/metrics');
    assert.equal(redactUrl('https://dcgm.example/metrics?token=abc&gpu=0'), 'https://dcgm.example/metrics?token=***&gpu=0');
    assert.equal(redactUrl('http://10.0.0.1:9400/metrics'), 'http://10.0.0.1:9400/metrics');
    assert.equal(redactText('connect http://u:p@h:1/x: ECONNREFUSED'), 'connect http://***@h:1/x: ECONNREFUSED');
  });

  it('never reach the log, /api/status or --print-config', async () => {
    const url = 'http://admin:s3cret@127.0.0.1:1/metrics?token=t0k3n';
    const serve = await startServeProcess([
      '--source',
      'stdin',
      '--dcgm-url',
      url,
      '--dcgm-interval-ms',
      '200',
      '--dcgm-timeout-ms',
      '100',
    ]);
    try {
      await new Promise((r) => setTimeout(r, 600));
      const status = await (await fetch(`${serve.url}/api/status`)).text();
      assert.doesNotMatch(status, /s3cret|t0k3n/);
      assert.match(status, /127\.0\.0\.1:1/);
    } finally {
      await serve.stop();
    }
    assert.doesNotMatch(serve.logs.join('\n'), /s3cret|t0k3n/);
    assert.ok(
      serve.logs.some((l) => l.includes('dcgm-exporter scrape failed')),
      'the failure is logged',
    );
    const { spawnSync } = await import('node:child_process');
    const cfg = spawnSync(process.execPath, [`${ROOT}dist/src/cli.js`, 'serve', '--dcgm-url', url, '--print-config'], { encoding: 'utf8' });
    assert.equal(cfg.status, 0, cfg.stderr);
    assert.doesNotMatch(cfg.stdout, /s3cret|t0k3n/);
  });
});
