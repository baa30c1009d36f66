import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CONDITION_TYPE, PodSignaller, type WorkloadReading } from '../../src/k8s/signal.js';
import { FakeKubeApi } from './fake-api.js';

const reading = (wall: number, device = 0.93): WorkloadReading => ({
  workload: 'FFT',
  df: { device, wall },
  p99Ms: { device: 0.478, wall: 0.779 * wall },
  thresholds: { warning: 1.2, critical: 1.5 },
});

describe('pod signalling against the fake API server', () => {
  const api = new FakeKubeApi();
  let signaller: PodSignaller;
  const errors: string[] = [];
  before(async () => {
    await api.start();
    api.addPod('gpu', 'fft-0', {
      spec: { containers: [{ name: 'fft' }] },
      status: { phase: 'Running', conditions: [{ type: 'Ready', status: 'True' }] },
    });
    signaller = new PodSignaller(
      await api.sidecarApi(),
      { namespace: 'gpu', name: 'fft-0', uid: 'uid-fft-0' },
      (w, m) => errors.push(`${w}: ${m}`),
      60_000,
    );
  });
  after(() => api.stop());

  const condition = () =>
    (
      (api.pods.get('gpu/fft-0') as { status: { conditions: { type: string; status: string; message?: string }[] } }).status.conditions ??
      []
    ).find((c) => c.type === CONDITION_TYPE);

  it('stays quiet below the critical threshold', async () => {
    await signaller.update([reading(1.0), reading(1.4)], 0);
    assert.equal(api.events.length, 0);
    assert.equal(condition(), undefined);
  });

  it('posts a Warning Event and sets the condition when DF reaches critical', async () => {
    await signaller.update([reading(1.62)], 1000);
    assert.equal(api.events.length, 1);
    const ev = api.events[0] as {
      type: string;
      reason: string;
      message: string;
      involvedObject: { kind: string; name: string; uid: string };
    };
    assert.equal(ev.type, 'Warning');
    assert.equal(ev.reason, 'TailContention');
    assert.deepEqual([ev.involvedObject.kind, ev.involvedObject.name, ev.involvedObject.uid], ['Pod', 'fft-0', 'uid-fft-0']);
    assert.match(ev.message, /FFT: wall-clock p99 1\.262 ms is 1\.62x its solo baseline \(critical 1\.5; device DF 0\.93, wall DF 1\.62/);
    assert.equal(condition()?.status, 'True');
    assert.equal(
      (api.pods.get('gpu/fft-0') as { status: { conditions: { type: string }[] } }).status.conditions.some((c) => c.type === 'Ready'),
      true,
      'other conditions kept (strategic merge by type)',
    );
  });

  it('keeps the condition between warning and critical, and rate-limits Events', async () => {
    await signaller.update([reading(1.3)], 2000);
    assert.equal(condition()?.status, 'True', 'hysteresis: not cleared above warning');
    await signaller.update([reading(1.1)], 3000);
    assert.equal(condition()?.status, 'False');
    const cleared = api.events.at(-1) as { type: string; reason: string };
    assert.deepEqual([cleared.type, cleared.reason], ['Normal', 'TailContentionCleared']);
    const before = api.events.length;
    await signaller.update([reading(1.7)], 4000);
    assert.equal(condition()?.status, 'True');
    assert.equal(api.events.length, before, 'a second Warning for FFT within a minute is suppressed');
    await signaller.update([reading(1.1)], 5000);
    await signaller.update([reading(1.7)], 70_000);
    assert.equal((api.events.at(-1) as { type: string }).type, 'Warning');
    assert.deepEqual(errors, []);
  });

  it('uses exactly: create events, patch pods/status', () => {
    const used = new Set(api.calls.map((c) => `${c.verb} ${c.resource}`));
    assert.deepEqual([...used].sort(), ['create events', 'patch pods/status']);
    const patch = api.calls.find((c) => c.resource === 'pods/status');
    assert.equal(patch?.method, 'PATCH');
    assert.equal(patch?.contentType, 'application/strategic-merge-patch+json');
  });
});
