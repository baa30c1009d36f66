/** Shared test helpers: paths to the bundled fixtures and a sample collector. */
import { fileURLToPath } from 'node:url';
import { LineDecoder } from '../src/line/decoder.js';
import { copySample, type Sample } from '../src/line/types.js';

/** Repository root (tests run from dist/test/...). */
export const ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const H100 = `${ROOT}test/fixtures/h100-2026-11-22`;
export const CLI = `${ROOT}dist/src/cli.js`;

export function decodeAll(chunks: readonly (string | Uint8Array)[]): { samples: Sample[]; decoder: LineDecoder } {
  const samples: Sample[] = [];
  const decoder = new LineDecoder((s) => samples.push(copySample(s)));
  for (const c of chunks) decoder.push(typeof c === 'string' ? Buffer.from(c, 'utf8') : c);
  decoder.end();
  return { samples, decoder };
}

/** Polls `cond` every 20 ms until true; rejects after `timeoutMs`. */
export async function waitFor(cond: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
  const start = Date.now();
  while (!cond()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function ktsLines(workload: string, from: number, count: number): string {
  let out = '';
  for (let i = from; i < from + count; i++) {
    const start = 1795387891806522966n + BigInt(i) * 100_000_000n;
    out += `KTS_APP,v1,${workload},${i},${start},${start + 600_000n},0.412000,\n`;
  }
  return out;
}

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';

export interface ServeProcess {
  child: ChildProcess;
  url: string;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

export const BUNDLE = `${ROOT}dist/bundle/cli.js`;

export interface KtsProcess {
  child: ChildProcess;
  port: number;
  logs: string[];
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; ms: number }>;
}

/**
 * Starts a real `kts <args>` and resolves with its port once it logs `readyMsg` (a pino line
 * carrying `port`). `launch`: the node arguments that run the CLI (default: dist/src/cli.js).
 */
export async function startKtsProcess(
  args: string[],
  readyMsg: string,
  env: NodeJS.ProcessEnv = {},
  launch: string[] = [CLI],
): Promise<KtsProcess> {
  const child = spawn(process.execPath, [...launch, ...args], {
    env: { ...process.env, ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const logs: string[] = [];
  const port = await new Promise<number>((resolve, reject) => {
    let buf = '';
    const timer = setTimeout(() => reject(new Error(`kts ${args[0]} did not start: ${logs.join('\n')}`)), 15_000);
    child.stdout?.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl = buf.indexOf('\n');
      while (nl >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        logs.push(line);
        try {
          const j = JSON.parse(line) as { msg?: string; port?: number };
          if (j.msg === readyMsg && typeof j.port === 'number') {
            clearTimeout(timer);
            resolve(j.port);
          }
        } catch {
          // not a log line
        }
        nl = buf.indexOf('\n');
      }
    });
    child.stderr?.on('data', (d: Buffer) => logs.push(d.toString()));
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`kts ${args[0]} exited with ${code}: ${logs.join('\n')}`));
    });
  });
  const stop = (signal: NodeJS.Signals = 'SIGTERM') =>
    new Promise<{ code: number | null; ms: number }>((resolve) => {
      const t0 = Date.now();
      if (child.exitCode !== null) return resolve({ code: child.exitCode, ms: 0 });
      child.once('exit', (code) => resolve({ code, ms: Date.now() - t0 }));
      child.kill(signal);
    });
  return { child, port, logs, stop };
}

/**
 * Starts a real `kts serve` on a free loopback port and resolves once it listens. `launch`: the
 * node arguments that run the CLI (default: this checkout's dist/src/cli.js).
 */
export async function startServeProcess(args: string[], env: NodeJS.ProcessEnv = {}, launch: string[] = [CLI]): Promise<ServeProcess> {
  const p = await startKtsProcess(['serve', '--listen', '127.0.0.1:0', ...args], 'kts serve listening', env, launch);
  return { child: p.child, url: `http://127.0.0.1:${p.port}`, logs: p.logs, stop: p.stop };
}

/** Value of one series in Prometheus text output, e.g. series('kts_x', {a: '1'}). */
export function series(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    const m = /^([^{ ]+)(?:\{([^}]*)\})? (\S+)$/.exec(line);
    if (m === null || m[1] !== name) continue;
    const got = Object.fromEntries([...(m[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => got[k] === v)) return Number(m[3]);
  }
  return undefined;
}

/** Scrapes `url`/metrics until `done(text)` holds; returns the last text. */
export async function scrapeUntil(url: string, done: (text: string) => boolean, timeoutMs = 10_000, what = 'metrics'): Promise<string> {
  const start = Date.now();
  for (;;) {
    const text = await (await fetch(`${url}/metrics`)).text();
    if (done(text)) return text;
    if (Date.now() - start > timeoutMs) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** `kts baseline capture --profile h100` of bundled H100 solo logs into `out`; throws on failure. */
export function captureH100Baseline(out: string, logs: readonly string[] = ['solo-fft.log']): string {
  const r = spawnSync(
    process.execPath,
    [CLI, 'baseline', 'capture', '--from', ...logs.map((l) => `${H100}/${l}`), '--profile', 'h100', '--out', out],
    {
      encoding: 'utf8',
    },
  );
  if (r.status !== 0) throw new Error(`kts baseline capture failed: ${r.stderr}`);
  return out;
}
