/** Wires `kts guard`: Kubernetes clients, the Lease, the reconcile loop and its HTTP endpoints. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CoordinationV1Api, CoreV1Api, type KubeConfig } from '@kubernetes/client-node';
import express from 'express';
import type { Logger } from 'pino';
import type { GuardConfig } from './config.js';
import { Guard } from './controller.js';
import { GuardKube } from './kube.js';
import { LeaseElector } from './leader.js';
import { guardRegistry } from './metrics.js';

export interface RunningGuard {
  guard: Guard;
  url: string;
  /** One reconcile pass now (tests; the loop runs them every interval). */
  tick(): Promise<void>;
  close(): Promise<void>;
}

export async function startGuard(
  cfg: GuardConfig,
  deps: { kubeConfig: KubeConfig; logger: Logger; loop?: boolean },
): Promise<RunningGuard> {
  const log = deps.logger;
  const elector = cfg.leaderElection
    ? new LeaseElector(deps.kubeConfig.makeApiClient(CoordinationV1Api), {
        namespace: cfg.lease.namespace,
        name: cfg.lease.name,
        identity: cfg.lease.identity,
        leaseDurationSeconds: cfg.lease.durationSeconds,
        onChange: (leader, why) => log.info({ leader, why, identity: cfg.lease.identity }, leader ? 'leading' : 'following'),
      })
    : undefined;
  const guard = new Guard(
    new GuardKube(deps.kubeConfig.makeApiClient(CoreV1Api)),
    elector,
    {
      dryRun: cfg.dryRun,
      evict: cfg.evict,
      evictAfterMs: cfg.evictAfterMs,
      activeWindowMs: cfg.activeWindowMs,
      clock: cfg.clock,
      timeoutMs: cfg.probeTimeoutMs,
    },
    log,
  );
  const registry = guardRegistry(guard);
  const app = express();
  app.disable('x-powered-by');
  app.get('/metrics', async (_req, res) => {
    res.type(registry.contentType).send(await registry.metrics());
  });
  app.get('/livez', (_req, res) => {
    res.type('text/plain').send('ok\n');
  });
  app.get('/readyz', (_req, res) => {
    res.type('text/plain').send(guard.leader ? 'leading\n' : 'following\n');
  });
  const server: Server = createServer(app);
  await new Promise<void>((resolve) => {
    server.listen({ port: cfg.listen.port, ...(cfg.listen.host === '' ? {} : { host: cfg.listen.host }) }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, dryRun: cfg.dryRun, evict: cfg.evict, lease: cfg.leaderElection ? cfg.lease : null }, 'kts guard started');

  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = async () => {
    running = guard.tick();
    await running;
  };
  const loop = async () => {
    while (!stopped) {
      await tick();
      await new Promise((r) => setTimeout(r, cfg.intervalMs).unref());
    }
  };
  if (deps.loop !== false) void loop();
  return {
    guard,
    url: `http://127.0.0.1:${port}`,
    tick,
    close: async () => {
      stopped = true;
      await running;
      await elector?.release();
      await new Promise<void>((r) => server.close(() => r()));
      log.info('kts guard stopped');
    },
  };
}
