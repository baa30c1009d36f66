/**
 * Real Prometheus and Alertmanager (Debian packages) for the integration tests: started on
 * free loopback ports in a temporary directory, with a webhook receiver that records what
 * Alertmanager delivers. Nothing here is a mock.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { ROOT } from '../helpers.js';

export const PROMETHEUS = 'prometheus';
export const ALERTMANAGER = 'prometheus-alertmanager';

export function installed(...tools: string[]): boolean {
  return tools.every((t) => spawnSync(t, ['--version'], { encoding: 'utf8' }).status === 0);
}

export async function freePort(): Promise<number> {
  const srv = createServer();
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', () => r()));
  const port = (srv.address() as AddressInfo).port;
  await new Promise<void>((r) => srv.close(() => r()));
  return port;
}

/** Minutes become seconds: the rules' expressions are kept, only `for:` and intervals shrink. */
function scaleDuration(d: string): string {
  const m = /^(\d+)([smh])$/.exec(d);
  if (m === null) return d;
  const seconds = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return `${Math.max(1, Math.round(seconds / 60))}s`;
}

/** alerts/kts.rules.yaml with every `for:` and group interval divided by 60. */
export function scaledRules(dir: string): string {
  const doc = parse(readFileSync(join(ROOT, 'alerts/kts.rules.yaml'), 'utf8')) as {
    groups: { interval?: string; rules: { for?: string }[] }[];
  };
  for (const g of doc.groups) {
    if (g.interval !== undefined) g.interval = scaleDuration(g.interval);
    for (const r of g.rules) if (r.for !== undefined) r.for = scaleDuration(r.for);
  }
  const path = join(dir, 'kts.rules.scaled.yaml');
  writeFileSync(path, stringify(doc));
  return path;
}

export interface Delivery {
  atMs: number;
  alerts: { status: string; labels: Record<string, string>; annotations: Record<string, string> }[];
}

export class Stack {
  readonly deliveries: Delivery[] = [];
  promUrl = '';
  amUrl = '';
  private readonly children: ChildProcess[] = [];
  private webhook: Server | undefined;
  readonly targetsFile: string;
  private readonly logs: string[] = [];

  constructor(private readonly dir: string) {
    this.targetsFile = join(dir, 'targets.json');
  }

  async start(rules: string[]): Promise<void> {
    this.webhook = createServer((req, res) => {
      let body = '';
      req.on('data', (d: Buffer) => {
        body += d.toString();
      });
      req.on('end', () => {
        const doc = JSON.parse(body) as { alerts: Delivery['alerts'] };
        this.deliveries.push({ atMs: Date.now(), alerts: doc.alerts });
        res.end('ok');
      });
    });
    await new Promise<void>((r) => this.webhook?.listen(0, '127.0.0.1', () => r()));
    const hookPort = (this.webhook.address() as AddressInfo).port;

    const amPort = await freePort();
    const amConfig = join(this.dir, 'alertmanager.yml');
    writeFileSync(
      amConfig,
      stringify({
        route: {
          receiver: 'test',
          group_by: ['alertname', 'namespace', 'pod'],
          group_wait: '1s',
          group_interval: '1s',
          repeat_interval: '1h',
        },
        receivers: [{ name: 'test', webhook_configs: [{ url: `http://127.0.0.1:${hookPort}/hook`, send_resolved: true }] }],
      }),
    );
    this.spawn(ALERTMANAGER, [
      `--config.file=${amConfig}`,
      `--storage.path=${join(this.dir, 'am')}`,
      `--web.listen-address=127.0.0.1:${amPort}`,
      '--cluster.listen-address=',
    ]);
    this.amUrl = `http://127.0.0.1:${amPort}`;

    writeFileSync(this.targetsFile, '[]');
    const promPort = await freePort();
    const promConfig = join(this.dir, 'prometheus.yml');
    writeFileSync(
      promConfig,
      stringify({
        global: { scrape_interval: '1s', evaluation_interval: '1s', scrape_timeout: '900ms' },
        rule_files: rules,
        alerting: { alertmanagers: [{ static_configs: [{ targets: [`127.0.0.1:${amPort}`] }] }] },
        scrape_configs: [{ job_name: 'kts', file_sd_configs: [{ files: [this.targetsFile], refresh_interval: '1s' }] }],
      }),
    );
    this.spawn(PROMETHEUS, [
      `--config.file=${promConfig}`,
      `--storage.tsdb.path=${join(this.dir, 'tsdb')}`,
      `--web.listen-address=127.0.0.1:${promPort}`,
    ]);
    this.promUrl = `http://127.0.0.1:${promPort}`;
    await this.until(
      async () => (await fetch(`${this.promUrl}/-/ready`).catch(() => undefined))?.status === 200,
      30_000,
      'Prometheus ready',
    );
    await this.until(
      async () => (await fetch(`${this.amUrl}/-/ready`).catch(() => undefined))?.status === 200,
      30_000,
      'Alertmanager ready',
    );
  }

  /** Scrape targets, with the labels Kubernetes service discovery would give them. */
  setTargets(targets: { address: string; labels: Record<string, string> }[]): void {
    const tmp = `${this.targetsFile}.tmp`;
    writeFileSync(tmp, JSON.stringify(targets.map((t) => ({ targets: [t.address], labels: t.labels }))));
    spawnSync('mv', [tmp, this.targetsFile]);
  }

  async query(
    expr: string,
  ): Promise<{ status: string; error?: string; data: { result: { metric: Record<string, string>; value: [number, string] }[] } }> {
    const res = await fetch(`${this.promUrl}/api/v1/query?query=${encodeURIComponent(expr)}`);
    return (await res.json()) as never;
  }

  async until(cond: () => Promise<boolean>, timeoutMs: number, what: string): Promise<void> {
    const start = Date.now();
    while (!(await cond())) {
      if (Date.now() - start > timeoutMs)
        throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}\n${this.logs.slice(-20).join('')}`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }

  private spawn(cmd: string, args: string[]): void {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    const keep = (d: Buffer) => {
      this.logs.push(d.toString());
      if (this.logs.length > 200) this.logs.shift();
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.children.push(child);
  }

  async stop(): Promise<void> {
    await Promise.all(
      this.children.map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.exitCode !== null) return resolve();
            c.once('exit', () => resolve());
            c.kill('SIGTERM');
          }),
      ),
    );
    await new Promise<void>((r) => (this.webhook === undefined ? r() : this.webhook.close(() => r())));
  }
}
