import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { SidecarApi } from '../../src/k8s/sidecar-api.js';
import { LineDecoder } from '../../src/line/decoder.js';
import { Deduplicator } from '../../src/line/dedup.js';
import { copySample, type Sample } from '../../src/line/types.js';
import { Backoff } from '../../src/sources/backoff.js';
import { K8sLogSource, timestampKey } from '../../src/sources/k8s-logs.js';
import { ktsLines, waitFor } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

const api = new FakeKubeApi();
let core: SidecarApi;

before(async () => {
  await api.start();
  core = await api.sidecarApi();
});
after(() => api.stop());

function lines(workload: string, from: number, count: number): string[] {
  return ktsLines(workload, from, count).trimEnd().split('\n');
}

function harness(pod: string) {
  const samples: Sample[] = [];
  const dedup = new Deduplicator();
  const decoder = new LineDecoder((s) => {
    if (dedup.accept(s)) samples.push(copySample(s));
  });
  const source = new K8sLogSource(core, { namespace: 'gpu', name: pod }, 'app', decoder, { backoff: new Backoff(20, 200) });
  return { samples, dedup, decoder, source };
}

test('timestamp keys order RFC3339Nano with trimmed zeros', () => {
  assert.ok(timestampKey('2026-11-25T03:21:13.1Z') > timestampKey('2026-11-25T03:21:13.09Z'));
  assert.ok(timestampKey('2026-11-25T03:21:13Z') < timestampKey('2026-11-25T03:21:13.000000001Z'));
  assert.equal(timestampKey('2026-11-25T03:21:13.5Z'), '2026-11-25T03:21:13.500000000');
});

test('follows the container log, reconnects with sinceTime after a drop, counts nothing twice', async () => {
  api.addPod('gpu', 'fft-0', { spec: { containers: [{ name: 'app' }] } });
  api.appendLog('gpu', 'fft-0', 'app', ['starting worker', ...lines('FFT', 0, 50)]);
  const h = harness('fft-0');
  await h.source.start();
  await waitFor(() => h.samples.length === 50, 5000, '50 samples');
  assert.equal(h.source.status.up, true);

  assert.equal(api.dropLogStreams(), 1);
  // Written while the sidecar is disconnected: must arrive after the reconnect.
  api.appendLog('gpu', 'fft-0', 'app', lines('FFT', 50, 30));
  await waitFor(() => h.samples.length === 80, 5000, 'samples written during the drop');
  await waitFor(() => api.openLogStreams === 1, 5000, 'reconnected stream');
  api.appendLog('gpu', 'fft-0', 'app', lines('FFT', 80, 20));
  await waitFor(() => h.samples.length === 100, 5000, 'samples after the reconnect');
  await new Promise((r) => setTimeout(r, 100));

  assert.deepEqual(
    h.samples.map((s) => s.iteration),
    Array.from({ length: 100 }, (_, i) => i),
  );
  assert.equal(h.source.status.restarts.get('reconnect'), 1);
  // The API server truncates sinceTime to seconds: earlier lines are skipped by timestamp, and the
  // last line read before the drop comes again and is rejected by (workload, iteration).
  assert.equal(h.dedup.duplicates, 1);
  const logCalls = api.callsFor('pods/log').filter((c) => c.path.includes('/fft-0/'));
  assert.equal(logCalls.length, 2);
  assert.equal(logCalls[0]?.query.get('sinceTime'), null);
  assert.match(logCalls[1]?.query.get('sinceTime') ?? '', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
  assert.equal(logCalls[1]?.query.get('follow'), 'true');
  assert.equal(logCalls[1]?.query.get('timestamps'), 'true');
  await h.source.stop();
});

test('a container that is not running yet is retried with back-off', async () => {
  api.addPod('gpu', 'late-0', { spec: { containers: [{ name: 'app' }] } });
  api.failNext.set('/api/v1/namespaces/gpu/pods/late-0/log', { status: 400, count: 3 });
  const h = harness('late-0');
  await h.source.start();
  await waitFor(() => (h.source.status.restarts.get('reconnect') ?? 0) >= 3, 5000, 'three failed attempts');
  assert.match(h.source.status.lastError ?? '', /HTTP 400|400/);
  api.appendLog('gpu', 'late-0', 'app', lines('GEMM', 0, 10));
  await waitFor(() => h.samples.length === 10, 5000, 'samples once the container runs');
  assert.equal(h.source.status.up, true);
  await h.source.stop();
});

test('a restarted workload (iterations from 0 again) is new data, not duplicates', () => {
  const d = new Deduplicator();
  const a = { workload: 'W', iteration: 0, startSec: 10, startNsec: 5, endSec: 10, endNsec: 9, deviceMs: 1, phase: '' };
  assert.equal(d.accept(a), true);
  assert.equal(d.accept({ ...a }), false);
  assert.equal(d.accept({ ...a, startSec: 99 }), true);
  assert.equal(d.duplicates, 1);
});

test('a line of 8 MB in the log stream is counted too_long at constant memory and the next lines are kept', async () => {
  api.addPod('gpu', 'long-0', { spec: { containers: [{ name: 'app' }] } });
  api.appendLog('gpu', 'long-0', 'app', [`KTS_APP,v1,FFT,0,1,2,${'9'.repeat(8 << 20)}`, ...lines('FFT', 1, 5)]);
  const h = harness('long-0');
  await h.source.start();
  try {
    await waitFor(() => h.samples.length === 5, 10_000, '5 samples after the long line');
    assert.equal(h.decoder.counters.reasons().too_long, 1);
  } finally {
    await h.source.stop();
  }
});
