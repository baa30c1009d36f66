import assert from 'node:assert/strict';
import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { type ExperimentResult, experimentReport } from '../../src/report/experiment.js';
import type { ReportResult } from '../../src/report/index.js';
import { ROOT } from '../helpers.js';

const RUN = 'test/fixtures/h100-experiment-2026-11-25';

function df(r: ReportResult | undefined, workload: string, clock: 'device' | 'wall' | 'queue'): number {
  const d = r?.model.degradation.get(workload)?.[clock].dfP99;
  assert.ok(d !== undefined, `${workload} ${clock}`);
  return d;
}

const AGENT = 'test/fixtures/h100-agent-2026-11-25';

describe('kts experiment report on the recorded H100 run', () => {
  let res: ExperimentResult;
  let tmp: string;
  before(async () => {
    // Same layout as the repository, so relative links in the page match the committed one.
    tmp = await mkdtemp(join(tmpdir(), 'kts-experiment-'));
    await mkdir(join(tmp, 'docs'));
    await mkdir(join(tmp, 'test/fixtures'), { recursive: true });
    await symlink(join(ROOT, RUN), join(tmp, RUN));
    await symlink(join(ROOT, AGENT), join(tmp, AGENT));
    res = await experimentReport({
      runDir: join(tmp, RUN),
      outFile: join(tmp, 'docs/results.md'),
      warmupIterations: 10,
      plots: true,
      agentRunDir: join(tmp, AGENT),
    });
  });

  it('time-slicing: the device clock hides the FFT contention, the wall clock shows it', () => {
    const pair = res.reports.get('pair');
    assert.ok(df(pair, 'FFT', 'device') < 1.1);
    assert.ok(df(pair, 'FFT', 'wall') > 2);
    assert.ok(df(pair, 'FFT', 'queue') > 3);
  });

  it('the N-tenant matrix: wall DF grows with each GEMM co-tenant, device DF stays flat', () => {
    const wall = ['pair', 'n2', 'n3'].map((id) => df(res.reports.get(id), 'FFT', 'wall'));
    assert.ok((wall[0] as number) < (wall[1] as number) && (wall[1] as number) < (wall[2] as number), wall.join(' < '));
    for (const id of ['pair', 'n2', 'n3']) assert.ok(df(res.reports.get(id), 'FFT', 'device') < 1.1, id);
  });

  it('MPS: the contention shows on the device clock instead of in the queue', () => {
    const mps = res.reports.get('mps');
    assert.ok(df(mps, 'FFT', 'device') > 2);
    assert.ok(df(mps, 'FFT', 'queue') < df(res.reports.get('pair'), 'FFT', 'queue'));
  });

  it('the live run: wall DF crossed the thresholds, device DF never did; the GPU side saw the co-tenant', () => {
    const l = res.live.find((x) => x.run === 'live');
    assert.ok(l !== undefined);
    assert.equal(l.cotenants, 1);
    assert.equal(l.samples_alone + l.samples_shared, 590, 'counted iterations (0-9 are warmup)');
    assert.ok(l.df_1m.wall.warning !== null && l.df_1m.wall.warning.after_s > 0 && l.df_1m.wall.warning.samples > 0);
    assert.equal(l.df_1m.device.warning, null);
    assert.ok(l.pods_sharing_seen !== null && l.pods_sharing_seen.after_s < 10);
    assert.ok((l.tenancy.shared_p99_ms as number) > (l.tenancy.alone_p99_ms as number));
    assert.ok((l.sidecar.rss_peak_bytes as number) > 0 && (l.sidecar.cpu_s as number) > 0);
  });

  it('the live run with 3 co-tenants: the sidecar detector switched on (wall clock), and after the DF crossed', () => {
    const l = res.live.find((x) => x.run === 'live3');
    assert.ok(l !== undefined);
    assert.equal(l.cotenants, 3);
    const det = l.detected.wall;
    const df = l.df_1m.wall.warning;
    assert.ok(det !== null && df !== null && det.after_s > df.after_s && det.samples > 0);
    assert.equal(l.detected.device, null);
  });

  it('the detector replayed over the logs: more co-tenants, sooner; solo never', () => {
    const wall = (id: string) => res.detection.get(id)?.first_detection.wall?.samples ?? Number.POSITIVE_INFINITY;
    assert.ok(wall('n3') < wall('n2'), `${wall('n3')} < ${wall('n2')}`);
    for (const id of ['pair', 'n2', 'n3']) assert.equal(res.detection.get(id)?.first_detection.device, null, `${id} device`);
  });

  it('the per-iteration dcgm join covers every iteration of the pair', () => {
    const rows = res.reports.get('pair')?.summary.dcgm ?? [];
    assert.equal(rows.length, 4);
    for (const r of rows) assert.equal(r.joined, r.iterations, `${r.workload} ${r.phase}`);
    const shared = rows.find((r) => r.workload === 'FFT' && r.phase === 'shared');
    assert.equal(shared?.pods_sharing_max, 2);
  });

  it('docs/results.md and its reports are what `npm run results` makes from the committed logs', async () => {
    assert.equal(res.page, await readFile(join(ROOT, 'docs/results.md'), 'utf8'));
    for (const id of ['pair', 'n2', 'n3', 'mps', 'mps-vs-plain-solo', 'live']) {
      const f = `${id}/results.md`;
      assert.equal(await readFile(join(tmp, 'docs/results', f), 'utf8'), await readFile(join(ROOT, 'docs/results', f), 'utf8'), f);
      // summary.json names its inputs as given (absolute here): compare everything else
      const strip = (t: string) => ({ ...JSON.parse(t), inputs: undefined });
      const json = `${id}/summary.json`;
      assert.deepEqual(
        strip(await readFile(join(tmp, 'docs/results', json), 'utf8')),
        strip(await readFile(join(ROOT, 'docs/results', json), 'utf8')),
        json,
      );
    }
  });
});
