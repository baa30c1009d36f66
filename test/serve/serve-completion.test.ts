/**
 * A plain sidecar in a Job's pod (API servers < 1.29): with --exit-with it ends once the watched
 * container has terminated for good, read from its own pod through the (fake) API server.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { pino } from 'pino';
import { terminatedForGood } from '../../src/k8s/completion.js';
import { resolveConfig } from '../../src/serve/config.js';
import { type RunningServer, startServe } from '../../src/serve/runtime.js';
import { waitFor } from '../helpers.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

type Json = Record<string, unknown>;
const terminated = (exitCode: number): Json => ({
  name: 'train',
  state: { terminated: { exitCode, reason: exitCode === 0 ? 'Completed' : 'Error' } },
});
const running: Json = { name: 'train', state: { running: { startedAt: '2026-11-25T00:00:00Z' } } };

describe('kts serve --exit-with', () => {
  it('tells a container that terminated for good from one the kubelet restarts', () => {
    const pod = (policy: string, st: Json) =>
      ({ spec: { containers: [], restartPolicy: policy }, status: { containerStatuses: [st] } }) as never;
    assert.equal(terminatedForGood(pod('Never', terminated(1)), 'train').done, true);
    assert.equal(terminatedForGood(pod('OnFailure', terminated(1)), 'train').done, false);
    assert.equal(terminatedForGood(pod('OnFailure', terminated(0)), 'train').done, true);
    assert.equal(terminatedForGood(pod('Always', terminated(0)), 'train').done, false);
    assert.equal(terminatedForGood(pod('Never', running), 'train').done, false);
  });

  const api = new FakeKubeApi();
  let server: RunningServer | undefined;
  before(async () => {
    await api.start();
    process.env.KUBECONFIG = api.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kts-exit-')), 'gpu');
  });
  after(async () => {
    await server?.close();
    await api.stop();
  });

  it("resolves done once the Job's container has exited 0 under OnFailure, not after a failed attempt", async () => {
    const pod = api.addPod('gpu', 'train-x7k2p', {
      spec: { restartPolicy: 'OnFailure', containers: [{ name: 'train' }, { name: 'kts-sidecar' }] },
      status: { phase: 'Running', containerStatuses: [running] },
    });
    const log = join(mkdtempSync(join(tmpdir(), 'kts-exit-log-')), 'train.log');
    writeFileSync(log, '');
    const cfg = resolveConfig(
      { source: [`file:${log}`], listen: '127.0.0.1:0', dcgmUrl: 'none', exitWith: 'train', podSignals: 'false' },
      { POD_NAME: 'train-x7k2p', POD_NAMESPACE: 'gpu' },
    );
    server = await startServe(cfg, { logger: pino({ level: 'silent' }), completionIntervalMs: 20 });
    let done = false;
    void server.done.then(() => {
      done = true;
    });
    (pod.status as Json).containerStatuses = [terminated(137)];
    await waitFor(() => api.callsFor('pods').filter((c) => c.verb === 'get').length >= 3, 5000, 'pod reads after the failure');
    assert.equal(done, false, 'a failed attempt is restarted by the kubelet: keep going');
    (pod.status as Json).containerStatuses = [terminated(0)];
    await waitFor(() => done, 5000, 'done after the container completed');
  });
});
