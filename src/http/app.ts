/** The sidecar's HTTP surface (express): /metrics, /livez, /readyz, /api/status and /. */
import express, { type Express } from 'express';
import type { Registry } from 'prom-client';
import { statusPage } from './page.js';
import { ScrapeCache } from './scrape-cache.js';
import type { StatusDocument } from './status.js';

export interface AppDeps {
  registry: Registry;
  /** Renders /metrics (a fresh snapshot; concurrent scrapes share one rendering, scrape-cache.ts). */
  render: () => Promise<string>;
  readiness: () => { ready: boolean; reasons: string[] };
  status: () => StatusDocument;
  history: (workload: string) => readonly number[];
}

export function buildApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag: scrapers never send If-None-Match, and hashing every 200 KB body costs a scrape ~0.3 ms.
  app.set('etag', false);
  const scrapes = new ScrapeCache(deps.render);
  app.get('/metrics', async (_req, res) => {
    const body = await scrapes.get();
    if (body === undefined) {
      res.status(503).set('Retry-After', '1').type('text/plain').send('too many concurrent scrapes\n');
      return;
    }
    res.set('Content-Type', deps.registry.contentType).send(body);
  });
  app.get('/livez', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    const r = deps.readiness();
    res
      .status(r.ready ? 200 : 503)
      .type('text/plain')
      .send(r.ready ? 'ok\n' : `not ready: ${r.reasons.join('; ')}\n`);
  });
  app.get('/api/status', (_req, res) => {
    res.json(deps.status());
  });
  app.get('/', (_req, res) => {
    res.type('html').send(statusPage(deps.status(), deps.history));
  });
  return app;
}
