import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { CoordinationV1Api } from '@kubernetes/client-node';
import { LeaseElector } from '../../src/guard/leader.js';
import { FakeKubeApi } from '../k8s/fake-api.js';

describe('Lease leader election (fake API server)', () => {
  const api = new FakeKubeApi();
  let t = 1_800_000_000_000;
  const elector = (identity: string) =>
    new LeaseElector(api.kubeConfig().makeApiClient(CoordinationV1Api), {
      namespace: 'kts-system',
      name: 'kts-guard',
      identity,
      leaseDurationSeconds: 15,
      now: () => t,
    });
  before(() => api.start());
  after(() => api.stop());

  it('one replica leads, the other follows, and takes over only once the Lease expires', async () => {
    const a = elector('guard-a');
    const b = elector('guard-b');
    assert.equal(await a.tick(), true, 'a creates the Lease');
    t += 1000;
    assert.equal(await b.tick(), false, 'b follows');
    t += 5000;
    assert.equal(await a.tick(), true, 'a renews');
    // a dies without releasing: b waits out the Lease duration
    t += 14_000;
    assert.equal(await b.tick(), false, '14 s after the last renewal: still a');
    t += 2000;
    assert.equal(await b.tick(), true, 'b takes over after 15 s');
    const lease = api.leases.get('kts-system/kts-guard') as { spec: { holderIdentity: string; leaseTransitions: number } };
    assert.equal(lease.spec.holderIdentity, 'guard-b');
    assert.equal(lease.spec.leaseTransitions, 1);
    t += 1000;
    assert.equal(await a.tick(), false, 'a comes back as a follower');
    assert.equal(a.leader, false);
  });

  it('of two replicas racing for an expired Lease exactly one wins', async () => {
    t += 60_000; // b stopped renewing long ago
    const c = elector('guard-c');
    const d = elector('guard-d');
    const results = await Promise.all([c.tick(), d.tick()]);
    assert.deepEqual(results.sort(), [false, true]);
  });

  it('a released Lease is taken at once', async () => {
    const holder = (api.leases.get('kts-system/kts-guard') as { spec: { holderIdentity: string } }).spec.holderIdentity;
    const current = elector(holder);
    assert.equal(await current.tick(), true);
    await current.release();
    const e = elector('guard-e');
    assert.equal(await e.tick(), true, 'no wait after a release');
  });
});
