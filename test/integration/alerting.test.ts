/**
 * The whole chain with real components: `kts replay` of the H100 fixtures -> `kts serve` ->
 * Prometheus (scraping every second, the bundle's rules loaded with `for:` durations divided
 * by 60) -> Alertmanager -> a webhook receiver in the test.
 *
 * The solo run and the shared run are separate pods (as in the seed experiment), each with
 * its own sidecar, both scraped by the same Prometheus: while the solo pod runs nothing may
 * fire; once the shared pod runs, the degradation alert must reach the receiver.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { concrete, DASHBOARD_FILES, loadDashboard } from '../dashboards/panels.js';
import { FakeDcgm } from '../dcgm/fake-dcgm.js';
import { CLI, captureH100Baseline, H100, type ServeProcess, startServeProcess } from '../helpers.js';
import { ALERTMANAGER, installed, PROMETHEUS, Stack, scaledRules } from './stack.js';

/** `kts replay` as a child process, without blocking this process (the fake dcgm-exporter answers from here). */
const replay = async (file: string, out: string): Promise<void> => {
  const child = spawn(process.execPath, [CLI, 'replay', `${H100}/${file}`, '--speed', '20', '--out', out], { stdio: 'ignore' });
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
};

const LATENCY_ALERTS = 'KtsTail.*|KtsContention.*|KtsJitter.*|KtsWorkload.*|KtsBaseline.*|KtsMalformed.*';

describe('alerts through real Prometheus and Alertmanager', {
  skip: installed(PROMETHEUS, ALERTMANAGER) ? false : 'prometheus / prometheus-alertmanager not installed (.ci/run installs them)',
}, () => {
  const dir = mkdtempSync(join(tmpdir(), 'kts-stack-'));
  const stack = new Stack(dir);
  // The node's dcgm-exporter: the solo pod alone on a MIG slice of GPU 0, the shared pod with a co-tenant on GPU 1.
  const dcgm = new FakeDcgm();
  dcgm.gpus = [
    // the solo pod has a MIG slice of GPU 0 to itself
    {
      index: 0,
      uuid: 'GPU-927d7444-b45a-7c49-8402-5e686e46a026',
      pods: ['gpu/fft-solo'],
      smActive: 0.35,
      mig: { profile: '3g.40gb', instance: 1 },
    },
    { index: 1, uuid: 'GPU-1c2b08c1-f602-d290-4519-863bc0c96079', pods: ['gpu/fft-shared', 'gpu/gemm-shared'], smActive: 0.93 },
  ];
  dcgm.varySm = true;
  const sidecars: ServeProcess[] = [];
  let baseline: string;
  const targets: { address: string; labels: Record<string, string> }[] = [];

  const startPod = async (pod: string, tier: string): Promise<string> => {
    const log = join(dir, `${pod}.log`);
    writeFileSync(log, '');
    const s = await startServeProcess(
      [
        '--source',
        `file:${log}`,
        '--baseline',
        baseline,
        '--df-warning',
        '1.2',
        '--df-critical',
        '1.5',
        '--dcgm-url',
        dcgm.url,
        '--dcgm-interval-ms',
        '200',
        '--dcgm-timeout-ms',
        '150',
      ],
      { POD_NAME: pod, POD_NAMESPACE: 'gpu', KTS_TIER: tier },
    );
    sidecars.push(s);
    targets.push({ address: s.url.replace('http://', ''), labels: { namespace: 'gpu', pod, node: 'node-a' } });
    stack.setTargets(targets);
    await stack.until(async () => (await stack.query(`up{pod="${pod}"} == 1`)).data.result.length === 1, 20_000, `${pod} scraped`);
    await stack.until(
      async () => (await stack.query(`kts_dcgm_up{pod="${pod}"} == 1`)).data.result.length === 1,
      20_000,
      `${pod} reads dcgm`,
    );
    return log;
  };

  before(async () => {
    baseline = join(dir, 'baseline.json');
    captureH100Baseline(baseline);
    await dcgm.start();
    await stack.start([scaledRules(dir)]);
  });
  after(async () => {
    for (const s of sidecars) await s.stop('SIGKILL');
    await stack.stop();
    await dcgm.stop();
  });

  it('stays silent while the solo pod runs against its own baseline', async () => {
    const log = await startPod('fft-solo', 'gold');
    await replay('solo-fft.log', log);
    await stack.until(
      async () => (await stack.query('kts_samples_total{pod="fft-solo"}')).data.result[0]?.value[1] === '590',
      20_000,
      'solo samples scraped',
    );
    // Give every rule several evaluations with the solo data in both windows.
    await new Promise((r) => setTimeout(r, 8000));
    const df = await stack.query('kts_degradation_factor{pod="fft-solo",clock="wall",window="1m"}');
    assert.ok(Number(df.data.result[0]?.value[1]) < 1.1, `solo wall DF ${df.data.result[0]?.value[1]}`);
    const firing = await stack.query(`ALERTS{alertname=~"${LATENCY_ALERTS}"}`);
    assert.deepEqual(firing.data.result, [], 'no latency alert pending or firing');
    assert.deepEqual(stack.deliveries, [], 'nothing delivered');
  });

  it('delivers the degradation alert once the shared pod runs', async () => {
    const log = await startPod('fft-shared', 'elastic');
    const t0 = Date.now();
    await replay('shared-fft.log', log);
    await stack.until(
      async () => stack.deliveries.some((d) => d.alerts.some((a) => a.labels.alertname === 'KtsTailDegradationWarning')),
      60_000,
      'KtsTailDegradationWarning at the receiver',
    );
    const d = stack.deliveries.find((x) => x.alerts.some((a) => a.labels.alertname === 'KtsTailDegradationWarning'));
    const alert = d?.alerts.find((a) => a.labels.alertname === 'KtsTailDegradationWarning');
    assert.equal(alert?.labels.pod, 'fft-shared');
    assert.equal(alert?.labels.workload, 'FFT');
    assert.equal(alert?.labels.clock, 'wall');
    assert.equal(alert?.labels.severity, 'warning');
    const m = /^FFT in gpu\/fft-shared: p99 is (\d+\.\d\d)x its solo baseline \(wall clock\)$/.exec(alert?.annotations.summary ?? '');
    assert.ok(m !== null && Number(m[1]) > 1.2, `summary: ${alert?.annotations.summary}`);
    const seconds = ((d?.atMs ?? 0) - t0) / 1000;
    process.stdout.write(`# degradation alert reached the receiver ${seconds.toFixed(1)} s after the shared replay started\n`);
    // The device clock hides the contention on this GPU: no alert for it.
    const device = await stack.query('ALERTS{alertname=~"KtsTail.*",clock="device"}');
    assert.deepEqual(device.data.result, []);
    // Nothing fired for the solo pod meanwhile.
    const solo = await stack.query(`ALERTS{pod="fft-solo",alertname=~"${LATENCY_ALERTS}"}`);
    assert.deepEqual(solo.data.result, []);
  });

  it('answers every dashboard query with data', async () => {
    const empty: string[] = [];
    for (const file of DASHBOARD_FILES) {
      const d = loadDashboard(file);
      const exprs = [
        ...d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ what: `${file}: ${p.title} (${t.refId})`, expr: t.expr }))),
        ...(d.annotations?.list ?? [])
          .filter((a) => a.expr !== undefined)
          .map((a) => ({ what: `${file}: annotation ${a.name}`, expr: a.expr as string })),
      ];
      for (const { what, expr } of exprs) {
        const r = await stack.query(concrete(expr));
        assert.equal(r.status, 'success', `${what}: ${r.error ?? ''}`);
        if (r.data.result.length === 0) empty.push(`${what}: ${concrete(expr)}`);
      }
      for (const v of d.templating.list.filter((x) => x.type === 'query')) {
        const m = /^label_values\((\w+)(?:\{.*\})?, (\w+)\)$/.exec(String(v.query));
        assert.ok(m !== null, `${file}: variable ${v.name}`);
        const res = (await (await fetch(`${stack.promUrl}/api/v1/label/${m[2]}/values?match[]=${m[1]}`)).json()) as { data: string[] };
        assert.ok(res.data.length > 0, `${file}: variable ${v.name} has values`);
      }
    }
    assert.deepEqual(empty, [], 'queries without data');
  });
});
