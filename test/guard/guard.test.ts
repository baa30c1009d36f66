/**
 * kts guard against the HTTP-level fake API server, with a real `kts serve` as the gold pod's
 * sidecar: the gold pod becoming active taints its node and its end removes the taint; an
 * elastic pod is evicted through the Eviction API once the gold tail stays above critical,
 * with a PodDisruptionBudget refusing first; dry-run only counts; a follower never acts; the
 * RBAC in deploy/overlays/guard grants exactly the calls made.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { type GuardConfig, resolveGuardConfig } from '../../src/guard/config.js';
import { type RunningGuard, startGuard } from '../../src/guard/server.js';
import { CATALOG } from '../../src/metrics/catalog.js';
import { granted } from '../deploy/rbac.js';
import { captureH100Baseline, ROOT, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

/** FFT lines stamped now (so the gold workload counts as active), each `wallMs` long. */
function freshLines(from: number, count: number, wallMs: number): string {
  const now = BigInt(Date.now()) * 1_000_000n;
  let out = '';
  for (let i = 0; i < count; i++) {
    const end = now - BigInt(count - i) * 1_000_000n;
    const start = end - BigInt(Math.round(wallMs * 1e6));
    out += `KTS_APP,v1,FFT,${from + i},${start},${end},0.412000,\n`;
  }
  return out;
}

const silent = pino({ level: 'silent' });

describe('kts guard (fake API server, real sidecar)', () => {
  const api = new FakeKubeApi();
  const dir = mkdtempSync(join(tmpdir(), 'kts-guard-'));
  const log = join(dir, 'fft.log');
  let sidecar: ServeProcess;
  let next = 100;
  const guards: RunningGuard[] = [];
  const config = (over: Record<string, string>): GuardConfig =>
    resolveGuardConfig({ listen: '127.0.0.1:0', intervalMs: '100', activeWindowMs: '1000', leaseNamespace: 'kts-system', ...over }, {});
  const guard = async (over: Record<string, string>): Promise<RunningGuard> => {
    const g = await startGuard(config(over), { kubeConfig: api.kubeConfig(), logger: silent, loop: false });
    guards.push(g);
    return g;
  };
  const feed = async (count: number, wallMs: number) => {
    appendFileSync(log, freshLines(next, count, wallMs));
    next += count;
    await scrapeUntil(sidecar.url, (t) => (series(t, 'kts_samples_total', { workload: 'FFT' }) ?? 0) >= next - 100, 10_000, 'samples');
  };
  const goldTaint = (node: string) => api.taintsOf(node).filter((t) => t.key === 'kts.dev/gold-active');

  before(async () => {
    await api.start();
    writeFileSync(log, '');
    const baseline = captureH100Baseline(join(dir, 'baseline.json'));
    sidecar = await startServeProcess(['--source', `file:${log}`, '--baseline', baseline, '--dcgm-url', 'none']);
    const port = Number(new URL(sidecar.url).port);
    api.addNode('node-a');
    api.addNode('node-b', [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }]);
    const running = (node: string, created: string) => ({
      spec: { nodeName: node, containers: [{ name: 'app' }] },
      status: { phase: 'Running', podIP: '10.0.0.9' },
      metadata: { creationTimestamp: created },
    });
    api.addPod('gpu', 'fft-gold', {
      metadata: { labels: { 'kts.dev/tier': 'gold' } },
      spec: {
        nodeName: 'node-a',
        initContainers: [{ name: 'kts-sidecar', restartPolicy: 'Always', ports: [{ name: 'kts-metrics', containerPort: port }] }],
        containers: [{ name: 'fft' }],
      },
      status: { phase: 'Running', podIP: '127.0.0.1' },
    });
    for (const [name, node, created] of [
      ['gemm-old', 'node-a', '2026-11-25T05:00:00Z'],
      ['gemm-new', 'node-a', '2026-11-25T06:00:00Z'],
      ['batch-b', 'node-b', '2026-11-25T06:30:00Z'],
    ] as const) {
      const p = running(node, created);
      api.addPod('batch', name, { ...p, metadata: { ...p.metadata, labels: { 'kts.dev/tier': 'elastic' } } });
    }
    api.addPod('batch', 'not-running', {
      metadata: { labels: { 'kts.dev/tier': 'elastic' } },
      spec: { nodeName: 'node-a', containers: [] },
      status: { phase: 'Pending' },
    });
  });
  after(async () => {
    for (const g of guards) await g.close();
    await sidecar.stop();
    await api.stop();
  });

  it('leaves nodes alone while the gold pod has no samples', async () => {
    const g = await guard({ identity: 'guard-a', evict: 'true', evictAfterMs: '300' });
    await g.tick();
    assert.equal(g.guard.leader, true);
    assert.deepEqual(g.guard.gold, { active: 0, idle: 1, unknown: 0 });
    assert.deepEqual(goldTaint('node-a'), []);
  });

  it('dry-run reports the taint it would set and changes nothing', async () => {
    await feed(50, 0.6);
    const d = await guard({ dryRun: 'true', leaderElection: 'false' });
    const patchesBefore = api.calls.filter((c) => c.resource === 'nodes' && c.verb === 'patch').length;
    await d.tick();
    assert.equal(d.guard.actions.get('taint|dry_run'), 1);
    assert.equal(api.calls.filter((c) => c.resource === 'nodes' && c.verb === 'patch').length, patchesBefore);
    assert.deepEqual(goldTaint('node-a'), []);
    await d.close();
    guards.splice(guards.indexOf(d), 1);
  });

  it('taints the node once the gold pod is active, keeping the node other taints', async () => {
    const [g] = guards as [RunningGuard];
    await g.tick();
    assert.deepEqual(goldTaint('node-a'), [{ key: 'kts.dev/gold-active', value: 'true', effect: 'NoSchedule' }]);
    assert.deepEqual(api.taintsOf('node-b'), [{ key: 'dedicated', value: 'infra', effect: 'NoSchedule' }], 'no gold on node-b');
    assert.equal(g.guard.actions.get('taint|ok'), 1);
    const text = await (await fetch(`${g.url}/metrics`)).text();
    assert.equal(series(text, 'kts_guard_actions_total', { action: 'taint', result: 'ok' }), 1);
    assert.equal(series(text, 'kts_guard_leader'), 1);
    assert.equal(series(text, 'kts_guard_tainted_nodes'), 1);
    await g.tick();
    assert.equal(g.guard.actions.get('taint|ok'), 1, 'idempotent: no second patch');
  });

  it('a second replica follows and does nothing', async () => {
    const f = await guard({ identity: 'guard-f' });
    await f.tick();
    assert.equal(f.guard.leader, false);
    assert.equal(f.guard.actions.size, 0);
    const text = await (await fetch(`${f.url}/metrics`)).text();
    assert.equal(series(text, 'kts_guard_leader'), 0);
  });

  it('evicts the newest elastic pod on the node once the gold tail stays above critical; a PDB refusal first', async () => {
    const [g] = guards as [RunningGuard];
    api.pdbRefuse.add('batch/gemm-new');
    await feed(300, 5);
    await g.tick(); // critical noticed, not yet for evictAfter
    assert.equal(api.evicted.length, 0);
    await new Promise((r) => setTimeout(r, 350));
    await g.tick();
    assert.equal(g.guard.actions.get('evict|refused'), 1);
    assert.ok(api.pods.has('batch/gemm-new'), 'the PDB kept it');
    const refused = api.events.find((e) => e.reason === 'KtsEvictionRefused');
    assert.match(String(refused?.message), /could not evict batch\/gemm-new: its PodDisruptionBudget/);
    assert.equal((refused?.involvedObject as { name?: string })?.name, 'fft-gold');
    api.pdbRefuse.clear();
    await g.tick();
    assert.equal(api.evicted.length, 0, 'waits evictAfter between two attempts');
    await new Promise((r) => setTimeout(r, 350));
    await feed(20, 5); // still active and critical
    await g.tick();
    assert.deepEqual(api.evicted, ['batch/gemm-new']);
    assert.ok(api.pods.has('batch/gemm-old') && api.pods.has('batch/batch-b'), 'older and other-node pods stay');
    const ev = api.events.find((e) => e.reason === 'KtsEvictedForGold');
    assert.equal((ev?.involvedObject as { name?: string })?.name, 'gemm-new');
    assert.match(String(ev?.message), /gold pod gpu\/fft-gold on node-a has its tail above critical .*FFT wall DF p99/);
    assert.ok(api.events.some((e) => e.reason === 'KtsEvictedCotenant'));
  });

  it('removes the taint once the gold workload stops', async () => {
    const [g] = guards as [RunningGuard];
    await new Promise((r) => setTimeout(r, 1100)); // past the 1 s active window
    await g.tick();
    assert.deepEqual(goldTaint('node-a'), []);
    assert.equal(g.guard.actions.get('untaint|ok'), 1);
    assert.deepEqual(g.guard.gold, { active: 0, idle: 1, unknown: 0 });
  });

  it('keeps the taint when the gold sidecar cannot be read', async () => {
    const [g] = guards as [RunningGuard];
    await feed(20, 0.6);
    await g.tick();
    assert.equal(goldTaint('node-a').length, 1);
    await sidecar.stop();
    await new Promise((r) => setTimeout(r, 1100));
    await g.tick();
    assert.deepEqual(g.guard.gold, { active: 0, idle: 0, unknown: 1 });
    assert.equal(goldTaint('node-a').length, 1, 'protection kept');
  });

  it('its /metrics exposes exactly its catalog entries (group guard, and the build info)', async () => {
    const [g] = guards as [RunningGuard];
    const text = await (await fetch(`${g.url}/metrics`)).text();
    const types = new Map([...text.matchAll(/^# TYPE (kts_\w+) (\w+)$/gm)].map((m) => [m[1] as string, m[2] as string]));
    const want = CATALOG.filter((m) => m.group === 'guard' || m.name === 'kts_build_info');
    assert.deepEqual([...types.keys()].sort(), want.map((m) => m.name).sort());
    for (const m of want) assert.equal(types.get(m.name), m.type, m.name);
    assert.equal(series(text, 'kts_guard_gold_pods', { state: 'unknown' }), 1);
    assert.ok((series(text, 'kts_guard_reconciles_total', { result: 'ok' }) ?? 0) >= 5);
  });

  it('the RBAC in deploy/overlays/guard grants exactly the calls made', () => {
    const used = new Set(api.calls.map((c) => `${c.verb} ${c.resource}`));
    assert.deepEqual([...used].sort(), [...granted(`${ROOT}deploy/overlays/guard/guard.yaml`, 'kts-guard')].sort());
  });
});
