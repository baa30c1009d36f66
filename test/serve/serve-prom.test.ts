/**
 * `kts serve --source prom:` against a real exposition: test/fixtures/prom/workload.py serves
 * vLLM's inter-token latency histogram with the real prometheus_client, observing exactly the
 * values sent to it. The sidecar's DF must agree with the DF computed exactly (nearest rank)
 * from the same observations, within the bound the buckets allow.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { after, before, describe, it } from 'node:test';
import { bucketBounds, bucketOf } from '../../src/stats/buckets.js';
import { ROOT, type ServeProcess, scrapeUntil, series, startServeProcess, waitFor } from '../helpers.js';

const ITL_BUCKETS = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0];
const hasClient = spawnSync('python3', ['-c', 'import prometheus_client'], { stdio: 'ignore' }).status === 0;

class Workload {
  readonly child: ChildProcess;
  readonly port: Promise<number>;
  private readonly lines: string[] = [];
  private waiting: ((line: string) => void) | undefined;

  constructor() {
    this.child = spawn('python3', [`${ROOT}test/fixtures/prom/workload.py`], { stdio: ['pipe', 'pipe', 'inherit'] });
    const rl = createInterface({ input: this.child.stdout as NonNullable<ChildProcess['stdout']> });
    rl.on('line', (l) => {
      const w = this.waiting;
      this.waiting = undefined;
      if (w !== undefined) w(l);
      else this.lines.push(l);
    });
    this.port = this.next().then((l) => Number(l.split(' ')[1]));
  }

  private next(): Promise<string> {
    const l = this.lines.shift();
    if (l !== undefined) return Promise.resolve(l);
    return new Promise((resolve) => {
      this.waiting = resolve;
    });
  }

  async send(cmd: object): Promise<void> {
    this.child.stdin?.write(`${JSON.stringify(cmd)}\n`);
    assert.equal(await this.next(), 'ok');
  }
}

/** Deterministic inter-token latencies (s): a body near 20 ms and a tail, scaled by `slow`. */
function itl(n: number, seed: number, slow: number): number[] {
  let x = seed;
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    const u = x / 2 ** 31;
    out.push(Math.round((0.012 + 0.01 * u + (u > 0.97 ? 0.03 * (u - 0.97) * 33 : 0)) * slow * 1e6) / 1e6);
  }
  return out;
}

function nearestRank(values: readonly number[], q: number): number {
  const s = [...values].sort((a, b) => a - b);
  return s[Math.max(1, Math.ceil(q * s.length)) - 1] as number;
}

function bucket(v: number): [number, number] {
  return bucketBounds(ITL_BUCKETS, bucketOf(ITL_BUCKETS, v));
}

describe('kts serve --source prom: (real prometheus_client exposition)', {
  skip: hasClient ? false : 'python3 prometheus_client not installed',
}, () => {
  let dir: string;
  let workload: Workload;
  let url: string;
  const serves: ServeProcess[] = [];
  const solo = itl(2000, 7, 1);
  const slowed = itl(2000, 11, 1.9);
  const baseline = () => join(dir, 'baseline.json');
  const args = () => [
    '--source',
    `prom:${url}`,
    '--preset',
    'vllm-itl',
    '--prom-labels',
    'model_name=llama',
    '--prom-interval-ms',
    '200',
    '--prom-timeout-ms',
    '150',
  ];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kts-prom-'));
    workload = new Workload();
    url = `http://127.0.0.1:${await workload.port}/metrics`;
  });
  after(async () => {
    for (const s of serves) await s.stop('SIGKILL');
    workload?.child.kill('SIGKILL');
  });

  it('captures a wall-only baseline from the solo phase (--capture)', async () => {
    const a = await startServeProcess([...args(), '--capture', String(solo.length), '--baseline', baseline()]);
    serves.push(a);
    await scrapeUntil(a.url, (t) => series(t, 'kts_source_up', { source: `prom:${url}` }) === 1, 10_000, 'first scrape');
    // Another model's series must not count (the label filter).
    await workload.send({ observe: [5, 5, 5], model: 'other' });
    await workload.send({ observe: solo, model: 'llama' });
    await waitFor(() => existsSync(baseline()), 15_000, 'captured baseline');
    const doc = JSON.parse(readFileSync(baseline(), 'utf8')) as {
      profiles: { workload: string; clocks: Record<string, { p99_ms: number; count: number }> }[];
    };
    const p = doc.profiles[0];
    assert.equal(p?.workload, 'vllm-itl');
    assert.equal(p?.clocks.device, undefined, 'no device clock for a prom source');
    assert.equal(p?.clocks.wall?.count, solo.length);
    const exact = nearestRank(solo, 0.99) * 1e3;
    const [lo, hi] = bucket(nearestRank(solo, 0.99));
    assert.ok(
      p.clocks.wall.p99_ms >= lo * 1e3 * 0.999 && p.clocks.wall.p99_ms <= hi * 1e3 * 1.001,
      `baseline p99 ${p.clocks.wall.p99_ms} ms vs exact ${exact} ms in (${lo}, ${hi}] s`,
    );
    serves.splice(serves.indexOf(a), 1);
    await a.stop('SIGKILL');
  });

  it('kts baseline capture --from prom:<url> --duration reads the histogram for that long', async () => {
    const out = join(dir, 'captured.json');
    const cli = spawn(
      process.execPath,
      [
        `${ROOT}dist/src/cli.js`,
        'baseline',
        'capture',
        '--from',
        `prom:${url}`,
        '--duration',
        '3s',
        '--preset',
        'vllm-itl',
        '--prom-labels',
        'model_name=llama',
        '--prom-interval-ms',
        '200',
        '--profile',
        'h100',
        '--out',
        out,
      ],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let stderr = '';
    cli.stderr?.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    const exited = new Promise<number | null>((resolve) => cli.on('exit', resolve));
    // The first scrape only sets the base: observe after it.
    await new Promise((r) => setTimeout(r, 800));
    const some = solo.slice(0, 500);
    await workload.send({ observe: some, model: 'llama' });
    assert.equal(await exited, 0, stderr);
    const doc = JSON.parse(readFileSync(out, 'utf8')) as {
      profiles: { workload: string; source: string; clocks: Record<string, { p99_ms: number; count: number }> }[];
    };
    const p = doc.profiles[0];
    assert.equal(p?.workload, 'vllm-itl');
    assert.equal(p?.source, `prom:${url}`);
    assert.equal(p?.clocks.device, undefined);
    assert.equal(p?.clocks.wall?.count, some.length);
    const [lo, hi] = bucket(nearestRank(some, 0.99));
    assert.ok(p.clocks.wall.p99_ms >= lo * 1e3 * 0.999 && p.clocks.wall.p99_ms <= hi * 1e3 * 1.001, `p99 ${p.clocks.wall.p99_ms} ms`);
    const bad = spawnSync(
      process.execPath,
      [`${ROOT}dist/src/cli.js`, 'baseline', 'capture', '--from', `prom:${url}`, '--profile', 'x', '--out', out],
      {
        encoding: 'utf8',
      },
    );
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /needs --duration/);
  });

  it('reports a live DF within the bucket bound of the exact nearest-rank DF, wall clock only', async (t) => {
    const b = await startServeProcess([...args(), '--baseline', baseline()]);
    serves.push(b);
    await scrapeUntil(b.url, (x) => series(x, 'kts_source_up', { source: `prom:${url}` }) === 1, 10_000, 'first scrape');
    await workload.send({ observe: slowed, model: 'llama' });
    const text = await scrapeUntil(
      b.url,
      (x) => series(x, 'kts_samples_total', { workload: 'vllm-itl' }) === slowed.length,
      15_000,
      'slowed phase counted',
    );
    const liveExact = nearestRank(slowed, 0.99);
    const baseExact = nearestRank(solo, 0.99);
    const exactDf = liveExact / baseExact;
    const [llo, lhi] = bucket(liveExact);
    const [blo, bhi] = bucket(baseExact);
    const bound = [llo / bhi, lhi / blo];
    const df = series(text, 'kts_degradation_factor', { workload: 'vllm-itl', clock: 'wall', window: 'total' }) ?? Number.NaN;
    t.diagnostic(
      `exact DF ${exactDf.toFixed(4)} (p99 ${liveExact} s / ${baseExact} s), sidecar DF ${df.toFixed(4)}, bucket bound [${bound[0]?.toFixed(3)}, ${bound[1]?.toFixed(3)}]`,
    );
    assert.ok(exactDf >= (bound[0] as number) && exactDf <= (bound[1] as number));
    assert.ok(df >= (bound[0] as number) * 0.998 && df <= (bound[1] as number) * 1.002, `sidecar DF ${df} outside [${bound}]`);
    assert.equal(series(text, 'kts_p99_bucket_bound_seconds', { workload: 'vllm-itl', window: 'total', bound: 'lower' }), llo);
    assert.equal(series(text, 'kts_p99_bucket_bound_seconds', { workload: 'vllm-itl', window: 'total', bound: 'upper' }), lhi);
    // Only the wall clock exists for such a workload.
    assert.equal(series(text, 'kts_latency_seconds', { workload: 'vllm-itl', clock: 'device' }), undefined);
    assert.equal(series(text, 'kts_queueing_delay_seconds', { workload: 'vllm-itl' }), undefined);
    assert.equal(series(text, 'kts_degradation_factor', { workload: 'vllm-itl', clock: 'device' }), undefined);
    assert.equal(series(text, 'kts_iteration_duration_seconds_count', { workload: 'vllm-itl', clock: 'wall' }), slowed.length);
    assert.equal(series(text, 'kts_contention_detected', { workload: 'vllm-itl', clock: 'wall' }), 1);
  });

  it('counts a restart of the workload and an endpoint that is down, never a negative delta, /readyz stays 200', async () => {
    const b = serves[serves.length - 1] as ServeProcess;
    const before = await (await fetch(`${b.url}/metrics`)).text();
    const samples = series(before, 'kts_samples_total', { workload: 'vllm-itl' }) ?? 0;
    await workload.send({ restart: true });
    await workload.send({ observe: [0.02, 0.02], model: 'llama' });
    let text = await scrapeUntil(
      b.url,
      (x) => (series(x, 'kts_prom_source_problems_total', { reason: 'counter_reset' }) ?? 0) >= 1,
      10_000,
      'counter_reset',
    );
    assert.equal(series(text, 'kts_samples_total', { workload: 'vllm-itl' }), samples, 'nothing counted across the reset');
    await workload.send({ observe: [0.02, 0.02, 0.02], model: 'llama' });
    text = await scrapeUntil(
      b.url,
      (x) => series(x, 'kts_samples_total', { workload: 'vllm-itl' }) === samples + 3,
      10_000,
      'counting resumes',
    );
    workload.child.kill('SIGKILL');
    text = await scrapeUntil(b.url, (x) => (series(x, 'kts_prom_source_problems_total', { reason: 'down' }) ?? 0) >= 1, 10_000, 'down');
    assert.equal(series(text, 'kts_source_up', { source: `prom:${url}` }), 0);
    assert.equal((await fetch(`${b.url}/readyz`)).status, 200);
  });
});
