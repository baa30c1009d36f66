/** `kts webhook` over real TLS, its caBundle patched through the (fake) API server. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { after, before, describe, it } from 'node:test';
import type { KubeConfig } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import { Pod } from 'kubernetes-models/v1/Pod';
import { pino } from 'pino';
import type { AdmissionReview } from '../../src/k8s/admission.js';
import { type RunningWebhook, startWebhook } from '../../src/k8s/webhook-server.js';
import { ROOT } from '../helpers.js';
import { FakeKubeApi } from './fake-api.js';
import { postReview } from './post.js';

const REVIEW = readFileSync(`${ROOT}test/k8s/fixtures/gpu-pod-review.json`, 'utf8');

const post = postReview;

describe('kts webhook (HTTPS, self-signed CA)', () => {
  const api = new FakeKubeApi();
  let hook: RunningWebhook;
  let oldHook: RunningWebhook;
  let kc: KubeConfig;
  before(async () => {
    await api.start();
    kc = api.kubeConfig();
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
    const logger = pino({ level: 'silent' });
    hook = await startWebhook(
      {
        listen: { host: '127.0.0.1', port: 0 },
        image: 'ghcr.io/kts-exporter/kts-exporter:test',
        nativeSidecars: 'auto',
        tls: { kind: 'self-signed', dnsNames: ['kts-webhook.kts-system.svc'], webhookConfig: 'kts-sidecar-injector', caSecret: undefined },
      },
      { kubeConfig: kc, logger },
    );
    api.version = { major: '1', minor: '28+', gitVersion: 'v1.28.9-eks' };
    oldHook = await startWebhook(
      {
        listen: { host: '127.0.0.1', port: 0 },
        image: 'ghcr.io/kts-exporter/kts-exporter:test',
        nativeSidecars: 'auto',
        tls: { kind: 'self-signed', dnsNames: ['kts-webhook.kts-system.svc'], webhookConfig: undefined, caSecret: undefined },
      },
      { kubeConfig: kc, logger },
    );
  });
  after(async () => {
    await hook?.close();
    await oldHook?.close();
    await api.stop();
  });

  it('writes its CA into both webhooks of its MutatingWebhookConfiguration', () => {
    const cfg = api.webhookConfigs.get('kts-sidecar-injector') as { webhooks: { clientConfig: { caBundle?: string } }[] };
    for (const w of cfg.webhooks) assert.equal(Buffer.from(w.clientConfig.caBundle ?? '', 'base64').toString(), hook.caPem);
    const verbs = api.callsFor('mutatingwebhookconfigurations').map((c) => c.verb);
    assert.deepEqual(verbs, ['get', 'update']);
  });

  it('answers AdmissionReviews over TLS that verifies against that CA', async () => {
    assert.equal(hook.serverMinor, 30);
    const r = await post(hook.port, '/mutate', REVIEW, hook.caPem ?? '');
    assert.equal(r.status, 200);
    assert.equal(r.json.response?.allowed, true);
    assert.equal(r.json.response?.patchType, 'JSONPatch');
    const ops = JSON.parse(Buffer.from(r.json.response?.patch ?? '', 'base64').toString()) as jsonpatch.Operation[];
    assert.ok(
      ops.some((o) => o.path === '/spec/initContainers'),
      'native sidecar on 1.30',
    );
    // The patched pod is a valid Pod by the Kubernetes schema.
    const original = (JSON.parse(REVIEW) as AdmissionReview).request?.object;
    const pod = new Pod(jsonpatch.applyPatch(structuredClone(original), ops, true, false).newDocument as never);
    assert.doesNotThrow(() => pod.validate());
    assert.equal(pod.spec?.initContainers?.[0]?.name, 'kts-sidecar');
  });

  it('injects plain containers when the API server is older than 1.29', async () => {
    assert.equal(oldHook.serverMinor, 28);
    const r = await post(oldHook.port, '/mutate', REVIEW, oldHook.caPem ?? '');
    const ops = JSON.parse(Buffer.from(r.json.response?.patch ?? '', 'base64').toString()) as { path: string }[];
    assert.ok(ops.some((o) => o.path === '/spec/containers/1'));
    assert.ok(!ops.some((o) => o.path === '/spec/initContainers'));
  });

  it('opts pods in through the namespace path, and refuses bad input with 400', async () => {
    const review = JSON.parse(REVIEW) as AdmissionReview;
    delete review.request?.object?.metadata?.labels?.['kts.dev/inject'];
    const viaPod = await post(hook.port, '/mutate', JSON.stringify(review), hook.caPem ?? '');
    assert.equal(viaPod.json.response?.patch, undefined);
    const viaNs = await post(hook.port, '/mutate-namespace', JSON.stringify(review), hook.caPem ?? '');
    assert.equal(viaNs.json.response?.patchType, 'JSONPatch');
    const bad = await post(hook.port, '/mutate', '{"kind":"AdmissionReview"}', hook.caPem ?? '');
    assert.equal(bad.status, 400);
  });

  it('serves TLS only', async () => {
    const plain = await new Promise<string>((resolve) => {
      const req = httpRequest({ host: '127.0.0.1', port: hook.port, path: '/livez' }, (res) => resolve(`HTTP ${res.statusCode}`));
      req.on('error', (e) => resolve(`error ${(e as NodeJS.ErrnoException).code ?? e.message}`));
      req.end();
    });
    assert.doesNotMatch(plain, /HTTP 200/);
  });
});
