/**
 * Two replicas of the bundled `kts webhook` (the Deployment's default) against the fake API
 * server: they share one CA through the kts-webhook-ca Secret (create-or-adopt), so both
 * verify against the final caBundle, and every admission they answer yields a valid Pod.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import jsonpatch from 'fast-json-patch';
import { Pod } from 'kubernetes-models/v1/Pod';
import type { AdmissionReview } from '../../src/k8s/admission.js';
import { BUNDLE, type KtsProcess, ROOT, startKtsProcess } from '../helpers.js';
import { FakeKubeApi } from './fake-api.js';
import { postReview } from './post.js';

const REVIEW = readFileSync(`${ROOT}test/k8s/fixtures/gpu-pod-review.json`, 'utf8');

const post = (port: number, body: string, ca: string) => postReview(port, '/mutate', body, ca);

describe('kts webhook: two replicas from the bundle share one CA', () => {
  const api = new FakeKubeApi();
  const replicas: KtsProcess[] = [];
  let env: NodeJS.ProcessEnv;
  const start = () =>
    startKtsProcess(
      ['webhook', '--listen', '127.0.0.1:0', '--service', 'kts-webhook', '--webhook-config', 'kts-sidecar-injector'],
      'kts webhook listening (TLS)',
      env,
      [BUNDLE],
    );
  const caBundles = () =>
    ((api.webhookConfigs.get('kts-sidecar-injector') as { webhooks: { clientConfig: { caBundle?: string } }[] }).webhooks ?? []).map((w) =>
      Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString(),
    );

  before(async () => {
    await api.start();
    api.webhookConfigs.set('kts-sidecar-injector', {
      apiVersion: 'admissionregistration.k8s.io/v1',
      kind: 'MutatingWebhookConfiguration',
      metadata: { name: 'kts-sidecar-injector', resourceVersion: '1' },
      webhooks: [
        { name: 'pods.kts.dev', clientConfig: { service: { name: 'kts-webhook', namespace: 'kts-system', path: '/mutate' } } },
        {
          name: 'namespaces.kts.dev',
          clientConfig: { service: { name: 'kts-webhook', namespace: 'kts-system', path: '/mutate-namespace' } },
        },
      ],
    });
    env = { KUBECONFIG: api.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kts-replicas-'))), POD_NAMESPACE: 'kts-system' };
    // Both start at once, as a Deployment's two pods do.
    replicas.push(...(await Promise.all([start(), start()])));
  });
  after(async () => {
    for (const r of replicas) await r.stop();
    await api.stop();
  });

  it('one Secret holds the CA; the caBundle is that CA in every webhook', () => {
    assert.equal(api.secrets.size, 1);
    const secret = api.secrets.get('kts-system/kts-webhook-ca') as { type: string; data: Record<string, string> };
    assert.equal(secret.type, 'kubernetes.io/tls');
    const ca = Buffer.from(secret.data['tls.crt'] ?? '', 'base64').toString();
    assert.match(ca, /BEGIN CERTIFICATE/);
    assert.deepEqual(caBundles(), [ca, ca]);
  });

  it('both replicas verify against the final caBundle, and every patch yields a valid Pod', async () => {
    const [ca] = caBundles();
    for (const r of replicas) {
      for (let i = 0; i < 3; i++) {
        const res = await post(r.port, REVIEW, ca ?? '');
        assert.equal(res.status, 200);
        assert.equal(res.json.response?.allowed, true);
        assert.equal(res.json.response?.patchType, 'JSONPatch');
        const ops = JSON.parse(Buffer.from(res.json.response?.patch ?? '', 'base64').toString()) as jsonpatch.Operation[];
        const original = (JSON.parse(REVIEW) as AdmissionReview).request?.object;
        const pod = new Pod(jsonpatch.applyPatch(structuredClone(original), ops, true, false).newDocument as never);
        assert.doesNotThrow(() => pod.validate());
      }
    }
  });

  it('a restarted replica adopts the stored CA and leaves the caBundle as it is', async () => {
    const before = caBundles();
    const updatesBefore = api.callsFor('mutatingwebhookconfigurations').filter((c) => c.verb === 'update').length;
    await replicas[0]?.stop();
    replicas[0] = await start();
    assert.deepEqual(caBundles(), before);
    assert.equal(api.callsFor('mutatingwebhookconfigurations').filter((c) => c.verb === 'update').length, updatesBefore);
    assert.ok(replicas[0].logs.some((l) => l.includes('"origin":"adopted"')));
    const res = await post(replicas[0].port, REVIEW, before[0] ?? '');
    assert.equal(res.json.response?.allowed, true);
  });
});
