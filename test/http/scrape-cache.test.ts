import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScrapeCache } from '../../src/http/scrape-cache.js';
import { type ServeProcess, startServeProcess } from '../helpers.js';

describe('concurrent scrapes', () => {
  it('share one rendering while it is made and for maxAgeMs after, and are refused beyond maxWaiting', async () => {
    let t = 0;
    let renders = 0;
    let release: () => void = () => undefined;
    const cache = new ScrapeCache(
      () =>
        new Promise<string>((resolve) => {
          renders++;
          release = () => resolve(`body ${renders}`);
        }),
      { maxAgeMs: 250, maxWaiting: 10, now: () => t },
    );
    const pending = Array.from({ length: 12 }, () => cache.get());
    release();
    const bodies = await Promise.all(pending);
    assert.equal(renders, 1);
    assert.equal(bodies.filter((b) => b === 'body 1').length, 10);
    assert.equal(bodies.filter((b) => b === undefined).length, 2, 'refused beyond maxWaiting');
    t = 200;
    assert.equal(await cache.get(), 'body 1', 'within maxAgeMs: the same rendering');
    t = 300;
    const next = cache.get();
    release();
    assert.equal(await next, 'body 2', 'a fresh rendering after maxAgeMs');
    assert.deepEqual(cache.counts, { renders: 2, shared: 10, refused: 2 });
  });

  it('a real sidecar answers 50 concurrent scrapes with 200 or 503, never a timeout', async () => {
    let serve: ServeProcess | undefined;
    try {
      serve = await startServeProcess(['--source', 'stdin', '--dcgm-url', 'none']);
      serve.child.stdin?.write('KTS_APP,v1,FFT,0,1795387891806522966,1795387891807122966,0.412,\n');
      const url = serve.url;
      const codes = await Promise.all(
        Array.from({ length: 50 }, async () => (await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(5000) })).status),
      );
      assert.ok(
        codes.every((c) => c === 200 || c === 503),
        codes.join(','),
      );
      assert.ok(codes.filter((c) => c === 200).length >= 32, codes.join(','));
    } finally {
      await serve?.stop();
    }
  });
});
