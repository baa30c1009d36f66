/**
 * The sidecar's own Kubernetes API client against the fake API server: the error shape callers
 * read, time limits, the ConfigMap watch (events, bounded lines, restarts) and the requests it
 * makes for each operation.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Writable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import { ConfigMapBaselineStore } from '../../src/baselines/configmap-store.js';
import { apiErrorCode, errorMessage } from '../../src/k8s/errors.js';
import { KubeApiError, KubeRest } from '../../src/k8s/rest.js';
import { type ConfigMap, SidecarApi } from '../../src/k8s/sidecar-api.js';
import { Backoff } from '../../src/sources/backoff.js';
import type { BaselineDocument } from '../../src/stats/baseline.js';
import { ROOT, waitFor } from '../helpers.js';
import { FakeKubeApi } from './fake-api.js';

const api = new FakeKubeApi();
let core: SidecarApi;
before(async () => {
  await api.start();
  core = await api.sidecarApi();
});
after(() => api.stop());

describe('errors and time limits', () => {
  it('a refused call has the numeric code and the Status message that apiErrorCode / errorMessage read', async () => {
    const err = await core.readNamespacedConfigMap({ namespace: 'gpu', name: 'nope' }).catch((e: unknown) => e);
    assert.ok(err instanceof KubeApiError);
    assert.equal(apiErrorCode(err), 404);
    assert.equal(errorMessage(err), 'HTTP 404: configmaps "nope" not found');
    assert.equal(err.message, 'HTTP 404: configmaps "nope" not found');
    assert.equal((err.body as { reason?: string }).reason, 'NotFound');
    api.putConfigMap('gpu', 'taken', {});
    const conflict = await core
      .createNamespacedConfigMap({ namespace: 'gpu', body: { metadata: { name: 'taken' } } })
      .catch((e: unknown) => e);
    assert.equal(apiErrorCode(conflict), 409);
  });

  it('gives up on an API server that does not answer, for requests and for streams until their headers', async () => {
    const rest = (core.rest as KubeRest).config;
    const slow = new SidecarApi(new KubeRest(rest, 150));
    api.stall.add('/api/v1/namespaces/slow/');
    try {
      const t0 = Date.now();
      await assert.rejects(slow.readNamespacedPod({ namespace: 'slow', name: 'x' }), /no answer from the Kubernetes API within 150 ms/);
      await assert.rejects(
        slow.followPodLog({ namespace: 'slow', name: 'x', container: 'app' }, process.stdout),
        /no answer from the Kubernetes API within 150 ms/,
      );
      const ended: unknown[] = [];
      await slow.watchConfigMap(
        { namespace: 'slow', name: 'x' },
        () => undefined,
        (err) => ended.push(err),
      );
      assert.match(String(ended[0]), /within 150 ms/);
      assert.ok(Date.now() - t0 < 3000);
    } finally {
      api.stall.clear();
    }
  });

  it('answers a connection refused with the reason', async () => {
    const cfg = { ...(core.rest as KubeRest).config, server: new URL('http://127.0.0.1:1') };
    await assert.rejects(new SidecarApi(new KubeRest(cfg)).readNamespacedPod({ namespace: 'gpu', name: 'x' }), /ECONNREFUSED/);
  });
});

describe('requests', () => {
  it('as @kubernetes/client-node made them: paths, verbs, pod log query, strategic merge patch', async () => {
    api.addPod('req', 'p-0', { spec: { containers: [{ name: 'app' }] } });
    api.appendLog('req', 'p-0', 'app', ['hello']);
    const from = api.calls.length;
    await core.readNamespacedPod({ namespace: 'req', name: 'p-0' });
    await core.patchNamespacedPodStatus({
      namespace: 'req',
      name: 'p-0',
      body: { status: { conditions: [{ type: 'X', status: 'True' }] } },
    });
    const cm = await core.createNamespacedConfigMap({ namespace: 'req', body: { metadata: { name: 'c' }, data: { a: '1' } } });
    await core.replaceNamespacedConfigMap({ namespace: 'req', name: 'c', body: { ...cm, data: { a: '2' } } });
    const chunks: Buffer[] = [];
    const sink = new Writable({
      write: (c: Buffer, _e, cb) => {
        chunks.push(c);
        cb();
      },
    });
    const log = await core.followPodLog({ namespace: 'req', name: 'p-0', container: 'app', sinceTime: '2026-11-25T00:00:00Z' }, sink);
    await waitFor(() => Buffer.concat(chunks).toString().includes('hello'), 5000, 'log line');
    log.abort();
    const calls = api.calls.slice(from);
    assert.deepEqual(
      calls.map((c) => `${c.method} ${c.path}`),
      [
        'GET /api/v1/namespaces/req/pods/p-0',
        'PATCH /api/v1/namespaces/req/pods/p-0/status',
        'POST /api/v1/namespaces/req/configmaps',
        'PUT /api/v1/namespaces/req/configmaps/c',
        'GET /api/v1/namespaces/req/pods/p-0/log',
      ],
    );
    assert.equal(calls[1]?.contentType, 'application/strategic-merge-patch+json');
    assert.equal(calls[2]?.contentType, 'application/json');
    assert.equal(
      calls[4]?.query.toString(),
      'container=app&follow=true&pretty=true&previous=false&sinceTime=2026-11-25T00%3A00%3A00Z&timestamps=true',
    );
    assert.equal((api.configMaps.get('req/c') as ConfigMap).data?.a, '2');
  });
});

describe('ConfigMap watch', () => {
  it('delivers events, skips lines that are not JSON, ends with null when the server ends it', async () => {
    api.putConfigMap('w', 'cm', { k: '1' });
    const events: string[] = [];
    const ends: unknown[] = [];
    const w = await core.watchConfigMap(
      { namespace: 'w', name: 'cm' },
      (type, cm) => events.push(`${type} ${cm.data?.k}`),
      (err) => ends.push(err),
    );
    await waitFor(() => events.length === 1, 5000, 'ADDED');
    const call = api.calls.filter((c) => c.verb === 'watch').at(-1);
    assert.equal(call?.query.get('fieldSelector'), 'metadata.name=cm');
    assert.equal(call?.query.get('watch'), 'true');
    const timeout = Number(call?.query.get('timeoutSeconds'));
    assert.ok(timeout >= 300 && timeout < 600, `timeoutSeconds ${timeout}`);
    api.writeWatches('this is not JSON\n{"type":"MODIFIED","object":{"data":{"k":"split');
    api.writeWatches('"}}}\n');
    api.putConfigMap('w', 'cm', { k: '2' });
    await waitFor(() => events.length === 3, 5000, 'MODIFIED x2');
    assert.deepEqual(events, ['ADDED 1', 'MODIFIED split', 'MODIFIED 2']);
    api.endWatches();
    await waitFor(() => ends.length === 1, 5000, 'end');
    assert.equal(ends[0], null);
    w.abort();
  });

  it('ends with an error on a line over the bound, and calls nobody after abort()', async () => {
    api.putConfigMap('w', 'big', { k: '1' });
    const ends: unknown[] = [];
    await core.watchConfigMap(
      { namespace: 'w', name: 'big' },
      () => undefined,
      (err) => ends.push(err),
      { maxLineBytes: 1024 },
    );
    await waitFor(() => api.openWatches === 1, 5000, 'watch open');
    api.writeWatches(`{"type":"MODIFIED","object":{"data":{"k":"${'x'.repeat(600)}`);
    api.writeWatches(`${'y'.repeat(600)}"}}}\n`);
    await waitFor(() => ends.length === 1, 5000, 'end');
    assert.match(String(ends[0]), /watch event over 1024 bytes/);
    await waitFor(() => api.openWatches === 0, 5000, 'connection closed');

    const quiet: unknown[] = [];
    const w = await core.watchConfigMap(
      { namespace: 'w', name: 'big' },
      () => undefined,
      (err) => quiet.push(err),
    );
    await waitFor(() => api.openWatches === 1, 5000, 'watch open');
    w.abort();
    await waitFor(() => api.openWatches === 0, 5000, 'aborted');
    await new Promise((r) => setTimeout(r, 50));
    assert.deepEqual(quiet, []);
  });

  it('the baseline store restarts it when the server ends or drops it, and keeps following', async () => {
    const doc = JSON.parse(readFileSync(`${ROOT}test/fixtures/prom/vllm-itl-baseline.json`, 'utf8')) as BaselineDocument;
    const named = (profile: string) => JSON.stringify({ ...doc, profiles: doc.profiles.map((p) => ({ ...p, profile })) });
    api.putConfigMap('gpu', 'kts-baselines', { 'baseline.json': named('v1') });
    const store = new ConfigMapBaselineStore(core, 'gpu', 'kts-baselines', 'baseline.json', new Backoff(20, 200));
    const loaded: string[] = [];
    const errors: string[] = [];
    const stop = store.watch(
      (d) => loaded.push(d.profiles[0]?.profile ?? ''),
      (e) => errors.push(e),
    );
    try {
      await waitFor(() => loaded.length === 1, 5000, 'first load');
      api.endWatches();
      await waitFor(() => store.watchRestarts === 1 && api.openWatches === 1, 5000, 'restart after the server ended the watch');
      assert.deepEqual(errors, [], 'a watch the server ends is no error');
      api.putConfigMap('gpu', 'kts-baselines', { 'baseline.json': named('v2') });
      await waitFor(() => loaded.length === 2, 5000, 'edit after restart');
      api.dropWatches();
      await waitFor(() => store.watchRestarts === 2 && api.openWatches === 1, 5000, 'restart after a drop');
      assert.match(errors[0] ?? '', /configmap gpu\/kts-baselines key baseline\.json: watch ended: /);
      api.putConfigMap('gpu', 'kts-baselines', { 'baseline.json': named('v3') });
      await waitFor(() => loaded.length === 3, 5000, 'edit after the drop');
      assert.deepEqual(loaded, ['v1', 'v2', 'v3'], 'the ADDED replayed on each restart is the version already applied');
    } finally {
      stop();
    }
    await waitFor(() => api.openWatches === 0, 5000, 'stopped');
  });
});
