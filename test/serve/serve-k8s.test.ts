/**
 * `kts serve` as it runs in a pod: the workload's log through the (fake) API server, the
 * baseline in a ConfigMap captured live, a dropped log stream, a ConfigMap edit.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { CLI, H100, type ServeProcess, scrapeUntil, series, startServeProcess } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

const fixture = (name: string): string[] => readFileSync(`${H100}/${name}`, 'utf8').trimEnd().split('\n');

describe('kts serve in a pod: k8s-logs source and a captured ConfigMap baseline', () => {
  const api = new FakeKubeApi();
  let serve: ServeProcess;
  let env: NodeJS.ProcessEnv;
  before(async () => {
    await api.start();
    env = { KUBECONFIG: api.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kts-k8s-')), 'gpu'), POD_NAME: 'fft-0', POD_NAMESPACE: 'gpu' };
    api.addPod('gpu', 'fft-0', { spec: { containers: [{ name: 'app' }, { name: 'kts' }] } });
    api.appendLog('gpu', 'fft-0', 'app', ['worker: FFT 2048x2048', ...fixture('solo-fft.log')]);
    serve = await startServeProcess(
      ['--source', 'k8s-logs:app', '--baseline', 'configmap:kts-baselines', '--capture', '500', '--profile', 'h100'],
      env,
    );
  });
  after(async () => {
    await serve?.stop('SIGKILL');
    await api.stop();
  });

  it('captures the solo baseline into the ConfigMap and starts using it', async () => {
    const text = await scrapeUntil(
      serve.url,
      (t) => series(t, 'kts_baseline_loaded', { workload: 'FFT' }) === 1,
      10_000,
      'captured baseline',
    );
    assert.equal(series(text, 'kts_samples_total', { workload: 'FFT' }), 590);
    const cm = api.configMaps.get('gpu/kts-baselines') as { data: Record<string, string> } | undefined;
    assert.ok(cm !== undefined, 'ConfigMap created');
    const doc = JSON.parse(cm.data['baseline.json'] ?? '{}') as {
      profiles: { profile: string; workload: string; clocks: { wall: { p99_ms: number; count: number } } }[];
    };
    assert.equal(doc.profiles.length, 1);
    assert.equal(doc.profiles[0]?.profile, 'h100');
    assert.equal(doc.profiles[0]?.workload, 'FFT');
    // Captured from at least 500 post-warmup samples of the solo run (fixture README: wall p99 0.779 ms).
    assert.ok((doc.profiles[0]?.clocks.wall.count ?? 0) >= 500);
    assert.ok(Math.abs((doc.profiles[0]?.clocks.wall.p99_ms ?? 0) - 0.779) < 0.01, `wall p99 ${doc.profiles[0]?.clocks.wall.p99_ms}`);
    const ready = await fetch(`${serve.url}/readyz`);
    assert.equal(ready.status, 200);
  });

  it('counts every iteration once across a dropped log stream', async () => {
    await scrapeUntil(serve.url, () => api.openLogStreams === 1, 5000, 'log stream open');
    const shared = fixture('shared-fft.log').map((l) => l.replace('KTS_APP,v1,FFT,', 'KTS_APP,v1,FFT2,'));
    api.appendLog('gpu', 'fft-0', 'app', shared.slice(0, 300));
    await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'FFT2' }) === 290, 10_000, 'first half');
    api.dropLogStreams();
    api.appendLog('gpu', 'fft-0', 'app', shared.slice(300));
    const text = await scrapeUntil(serve.url, (t) => series(t, 'kts_samples_total', { workload: 'FFT2' }) === 590, 10_000, 'second half');
    await new Promise((r) => setTimeout(r, 300));
    const again = await (await fetch(`${serve.url}/metrics`)).text();
    assert.equal(series(again, 'kts_samples_total', { workload: 'FFT2' }), 590);
    assert.equal(series(again, 'kts_samples_total', { workload: 'FFT' }), 590);
    assert.ok((series(text, 'kts_dropped_samples_total', { reason: 'duplicate' }) ?? 0) >= 1, 'the re-read line was de-duplicated');
    assert.equal(series(again, 'kts_source_restarts_total', { source: 'k8s-logs:app', reason: 'reconnect' }), 1);
    assert.equal(series(again, 'kts_source_up', { source: 'k8s-logs:app' }), 1);
  });

  it('applies an edited ConfigMap without a restart (watched)', async () => {
    const cm = api.configMaps.get('gpu/kts-baselines') as { data: Record<string, string> };
    const doc = JSON.parse(cm.data['baseline.json'] ?? '{}') as { profiles: { clocks: { wall: { p99_ms: number } } }[] };
    const p = doc.profiles[0];
    assert.ok(p !== undefined);
    p.clocks.wall.p99_ms = 2;
    // The edit must find the sidecar's watch open (as the log test waits for its stream).
    await scrapeUntil(serve.url, () => api.openWatches >= 1, 10_000, 'ConfigMap watch open');
    api.putConfigMap('gpu', 'kts-baselines', { 'baseline.json': JSON.stringify(doc) });
    const text = await scrapeUntil(
      serve.url,
      (t) => series(t, 'kts_baseline_latency_seconds', { workload: 'FFT', clock: 'wall', percentile: '99' }) === 0.002,
      10_000,
      'edited baseline',
    ).catch((err: Error) => {
      throw new Error(
        `${err.message}; watch calls: ${api.callsFor('configmaps').filter((c) => c.verb === 'watch').length}; sidecar log:\n${serve.logs.join('\n')}`,
      );
    });
    assert.ok((series(text, 'kts_baseline_reloads_total', { result: 'success' }) ?? 0) >= 2);
  });
});

describe('kts serve configuration for Kubernetes sources', () => {
  it('needs the downward-API pod identity for k8s-logs, cri and configmap baselines', () => {
    const env = { ...process.env, POD_NAME: '', POD_NAMESPACE: '' };
    for (const args of [
      ['--source', 'k8s-logs:app'],
      ['--source', 'cri:app'],
      ['--baseline', 'configmap:kts'],
    ]) {
      const r = spawnSync(process.execPath, [CLI, 'serve', ...args], { encoding: 'utf8', env });
      assert.equal(r.status, 2, args.join(' '));
      assert.match(r.stderr.trim(), /^kts: invalid .*POD_NAME and POD_NAMESPACE must be set/);
      assert.equal(r.stderr.trim().split('\n').length, 1);
    }
    const bad = spawnSync(process.execPath, [CLI, 'serve', '--source', 'k8s-logs:'], { encoding: 'utf8', env });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /needs a container name/);
    const cap = spawnSync(process.execPath, [CLI, 'serve', '--capture', '500'], { encoding: 'utf8', env });
    assert.equal(cap.status, 2);
    assert.match(cap.stderr, /--capture .* needs --baseline/);
  });
});

describe('kts serve with pod annotations (downward-API file)', () => {
  it('applies kts.dev/df-* live, and flags win over annotations', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-ann-'));
    const annotations = join(dir, 'annotations');
    const log = join(dir, 'app.log');
    writeFileSync(annotations, 'kts.dev/df-warning="1.1"\nkts.dev/df-critical="1.3"\n');
    writeFileSync(log, fixture('solo-fft.log').slice(0, 50).join('\n').concat('\n'));
    const s = await startServeProcess([
      '--source',
      `file:${log}`,
      '--from-beginning',
      '--pod-annotations',
      annotations,
      '--baseline-poll-ms',
      '50',
    ]);
    try {
      const threshold = (t: string, severity: string) => series(t, 'kts_degradation_threshold', { workload: 'FFT', severity });
      let text = await scrapeUntil(s.url, (t) => threshold(t, 'warning') !== undefined, 5000, 'FFT thresholds');
      assert.equal(threshold(text, 'warning'), 1.1);
      assert.equal(threshold(text, 'critical'), 1.3);
      // The kubelet replaces the file when annotations change.
      writeFileSync(`${annotations}.new`, 'kts.dev/df-warning="1.4"\nkts.dev/df-critical="2"\n');
      renameSync(`${annotations}.new`, annotations);
      text = await scrapeUntil(s.url, (t) => threshold(t, 'critical') === 2, 5000, 'updated thresholds');
      assert.equal(threshold(text, 'warning'), 1.4);
    } finally {
      await s.stop('SIGKILL');
    }
    const flagged = await startServeProcess([
      '--source',
      `file:${log}`,
      '--from-beginning',
      '--pod-annotations',
      annotations,
      '--df-warning',
      '1.05',
    ]);
    try {
      const text = await scrapeUntil(
        flagged.url,
        (t) => series(t, 'kts_degradation_threshold', { workload: 'FFT', severity: 'warning' }) !== undefined,
      );
      assert.equal(series(text, 'kts_degradation_threshold', { workload: 'FFT', severity: 'warning' }), 1.05);
      assert.equal(series(text, 'kts_degradation_threshold', { workload: 'FFT', severity: 'critical' }), 2);
    } finally {
      await flagged.stop('SIGKILL');
    }
  });
});
