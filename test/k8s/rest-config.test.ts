/**
 * The sidecar's own Kubernetes API client configuration against the fake API server: kubeconfig
 * variants (token, tokenFile, client certificates over HTTPS with a CA), in-cluster from a
 * service account directory, token rotation, precedence, and one-line errors for what it
 * does not support.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { apiErrorCode } from '../../src/k8s/errors.js';
import { KubeConfigError, type LoadOptions, loadRestConfig, SERVICE_ACCOUNT_DIR } from '../../src/k8s/rest-config.js';
import { connectSidecarApi } from '../../src/k8s/sidecar-api.js';
import { issueServing, makeCa } from '../../src/k8s/tls.js';
import { CLI } from '../helpers.js';
import { issueClient, makeClientCa } from './certs.js';
import { FakeKubeApi } from './fake-api.js';

const tmp = (): string => mkdtempSync(join(tmpdir(), 'kts-rest-'));
/** No KUBECONFIG, an empty home, no service account: only what a test gives. */
const isolated = (over: LoadOptions = {}): LoadOptions => ({ env: {}, home: tmp(), serviceAccountDir: join(tmp(), 'none'), ...over });

async function rejectsOneLine(p: Promise<unknown>, pattern: RegExp): Promise<KubeConfigError> {
  try {
    await p;
  } catch (err) {
    assert.ok(err instanceof KubeConfigError, `a KubeConfigError, got ${String(err)}`);
    assert.match(err.message, pattern);
    assert.equal(err.message.includes('\n'), false, `one line: ${err.message}`);
    return err;
  }
  assert.fail('did not fail');
}

describe('sidecar API client over HTTP: tokens', () => {
  const api = new FakeKubeApi();
  before(async () => {
    await api.start();
    api.putConfigMap('gpu', 'cm', { k: 'v' });
  });
  after(() => api.stop());
  const lastAuth = () => api.calls.at(-1)?.auth;

  it('sends a kubeconfig token; KUBECONFIG may be a list, the first path counts', async () => {
    api.acceptTokens = new Set(['t1']);
    const dir = tmp();
    const path = api.writeKubeconfigWith(dir, { user: { token: 't1' } });
    const core = await connectSidecarApi(isolated({ env: { KUBECONFIG: `${path}:${join(dir, 'missing')}` } }));
    assert.deepEqual((await core.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' })).data, { k: 'v' });
    assert.equal(lastAuth(), 'Bearer t1');
    await rejectsOneLine(loadRestConfig(isolated({ env: { KUBECONFIG: `${join(dir, 'missing')}:${path}` } })), /missing: ENOENT/);
  });

  it('reads tokenFile relative to the kubeconfig, again after a 401 and once the refresh period is over', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'token'), 'f1\n');
    api.acceptTokens = new Set(['f1']);
    const env = { KUBECONFIG: api.writeKubeconfigWith(dir, { user: { tokenFile: 'token' } }) };
    const core = await connectSidecarApi(isolated({ env }));
    await core.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' });
    assert.equal(lastAuth(), 'Bearer f1', 'trimmed');
    // Rotated: the cached token is refused once, then the file is read again.
    writeFileSync(join(dir, 'token'), 'f2');
    api.acceptTokens = new Set(['f2']);
    await assert.rejects(core.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' }), (err) => apiErrorCode(err) === 401);
    await core.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' });
    assert.equal(lastAuth(), 'Bearer f2');
    // With a short refresh period a rotation is picked up before any 401.
    const quick = await connectSidecarApi(isolated({ env, tokenRefreshMs: 30 }));
    await quick.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' });
    writeFileSync(join(dir, 'token'), 'f3');
    api.acceptTokens = new Set(['f2', 'f3']);
    await new Promise((r) => setTimeout(r, 60));
    await quick.readNamespacedConfigMap({ namespace: 'gpu', name: 'cm' });
    assert.equal(lastAuth(), 'Bearer f3');
  });

  it('fails in one line on what it does not support or cannot read', async () => {
    const dir = tmp();
    const load = (user: Record<string, unknown>, cluster: Record<string, unknown> = {}) =>
      loadRestConfig(isolated({ env: { KUBECONFIG: api.writeKubeconfigWith(dir, { user, cluster }) } }));
    await rejectsOneLine(
      load({ exec: { apiVersion: 'client.authentication.k8s.io/v1', command: 'aws-iam-authenticator', args: ['token'] } }),
      /user 'fake' authenticates with an exec plugin \(aws-iam-authenticator\), which the sidecar does not support/,
    );
    await rejectsOneLine(
      load({ 'auth-provider': { name: 'oidc', config: {} } }),
      /auth-provider 'oidc', which the sidecar does not support/,
    );
    await rejectsOneLine(load({ username: 'u', password: 'p' }), /username and password/);
    await rejectsOneLine(load({ 'client-certificate-data': 'eA==' }), /needs both client-certificate and client-key/);
    await rejectsOneLine(load({ tokenFile: 'nope' }), /token file .*nope: ENOENT/);
    await rejectsOneLine(load({}, { 'certificate-authority': 'ca.pem' }), /certificate-authority: ENOENT/);
    await rejectsOneLine(load({}, { server: 'not a url' }), /server 'not a url' is not a URL/);
    writeFileSync(join(dir, 'bad.yaml'), 'clusters: [\n  - {name: x\n');
    await rejectsOneLine(loadRestConfig(isolated({ env: { KUBECONFIG: join(dir, 'bad.yaml') } })), /bad\.yaml: not valid YAML/);
    writeFileSync(join(dir, 'noctx.yaml'), 'apiVersion: v1\nkind: Config\nclusters: []\n');
    await rejectsOneLine(loadRestConfig(isolated({ env: { KUBECONFIG: join(dir, 'noctx.yaml') } })), /current-context is not set/);
    const none = await rejectsOneLine(loadRestConfig(isolated()), /^no Kubernetes API configuration: KUBECONFIG is not set/);
    assert.equal(none.absent, true);
  });

  it('kts serve stops at start-up with that line (pod signals on)', () => {
    const dir = tmp();
    const env = {
      PATH: process.env.PATH,
      HOME: dir,
      POD_NAME: 'fft-0',
      POD_NAMESPACE: 'gpu',
      KUBECONFIG: api.writeKubeconfigWith(dir, { user: { exec: { command: 'gke-gcloud-auth-plugin' } } }),
    };
    const args = [CLI, 'serve', '--source', `file:${join(dir, 'app.log')}`, '--listen', '127.0.0.1:0', '--dcgm-url', 'none'];
    const r = spawnSync(process.execPath, args, { encoding: 'utf8', env, timeout: 20_000 });
    assert.equal(r.status, 1);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(
      lines[0] ?? '',
      /^kts: kubeconfig .*kubeconfig\.yaml: user 'fake' authenticates with an exec plugin \(gke-gcloud-auth-plugin\)/,
    );
  });

  it('kts serve with a k8s-logs source and no configuration at all stops at start-up', { skip: existsSync(SERVICE_ACCOUNT_DIR) }, () => {
    const dir = tmp();
    const env = { PATH: process.env.PATH, HOME: dir, POD_NAME: 'fft-0', POD_NAMESPACE: 'gpu' };
    const r = spawnSync(process.execPath, [CLI, 'serve', '--source', 'k8s-logs:app', '--listen', '127.0.0.1:0', '--dcgm-url', 'none'], {
      encoding: 'utf8',
      env,
      timeout: 20_000,
    });
    assert.equal(r.status, 1);
    assert.match(
      r.stderr,
      /^kts: no Kubernetes API configuration: KUBECONFIG is not set, .* does not exist and there is no service account token/,
    );
    assert.equal(r.stderr.trim().split('\n').length, 1);
  });
});

describe('sidecar API client over HTTPS: CA, client certificates, in-cluster', () => {
  const api = new FakeKubeApi();
  const ca = makeCa();
  const clientCa = makeClientCa();
  const client = issueClient(clientCa, 'system:serviceaccount:gpu:kts');
  before(async () => {
    await api.start({ ...issueServing(ca, ['localhost'], ['127.0.0.1']), clientCaPem: clientCa.caPem });
    api.addPod('gpu', 'fft-0', { spec: { restartPolicy: 'Never', containers: [{ name: 'app' }] } });
    api.acceptTokens = new Set(['sa-1']);
  });
  after(() => api.stop());
  const read = async (opts: LoadOptions) => (await connectSidecarApi(opts)).readNamespacedPod({ namespace: 'gpu', name: 'fft-0' });

  it('verifies the server against certificate-authority and presents client-certificate / client-key files', async () => {
    const dir = tmp();
    writeFileSync(join(dir, 'ca.pem'), ca.caPem);
    writeFileSync(join(dir, 'client.pem'), client.certPem);
    writeFileSync(join(dir, 'client.key'), client.keyPem);
    const env = {
      KUBECONFIG: api.writeKubeconfigWith(dir, {
        cluster: { 'certificate-authority': 'ca.pem' },
        user: { 'client-certificate': join(dir, 'client.pem'), 'client-key': 'client.key' },
      }),
    };
    assert.equal((await read(isolated({ env }))).spec?.restartPolicy, 'Never');
    assert.equal(api.calls.at(-1)?.clientCert, 'system:serviceaccount:gpu:kts');
    assert.equal(api.calls.at(-1)?.auth, undefined);
  });

  it('takes the -data fields (base64), and refuses a server its CA did not sign', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    const user = { 'client-certificate-data': b64(client.certPem), 'client-key-data': b64(client.keyPem) };
    const dir = tmp();
    const good = api.writeKubeconfigWith(dir, { cluster: { 'certificate-authority-data': b64(ca.caPem) }, user });
    await read(isolated({ env: { KUBECONFIG: good } }));
    assert.equal(api.calls.at(-1)?.clientCert, 'system:serviceaccount:gpu:kts');
    const other = tmp();
    const wrong = api.writeKubeconfigWith(other, { cluster: { 'certificate-authority-data': b64(makeCa().caPem) }, user });
    await assert.rejects(read(isolated({ env: { KUBECONFIG: wrong } })), /certificate/);
    const third = tmp();
    const insecure = api.writeKubeconfigWith(third, { cluster: { 'insecure-skip-tls-verify': true }, user: { token: 'sa-1' } });
    await read(isolated({ env: { KUBECONFIG: insecure } }));
    assert.equal(api.calls.at(-1)?.auth, 'Bearer sa-1');
  });

  it('in a pod: service host and port from the environment, CA and a rotating token from the service account directory', async () => {
    const sa = tmp();
    writeFileSync(join(sa, 'ca.crt'), ca.caPem);
    writeFileSync(join(sa, 'token'), 'sa-1');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) };
    const opts = isolated({ env, serviceAccountDir: sa, tokenRefreshMs: 30 });
    const cfg = await loadRestConfig(opts);
    assert.match(cfg.description, /^in-cluster service account/);
    const core = await connectSidecarApi(opts);
    await core.readNamespacedPod({ namespace: 'gpu', name: 'fft-0' });
    assert.equal(api.calls.at(-1)?.auth, 'Bearer sa-1');
    // The kubelet rotates the bound token in place.
    writeFileSync(join(sa, 'token'), 'sa-2');
    api.acceptTokens = new Set(['sa-2']);
    await new Promise((r) => setTimeout(r, 60));
    await core.readNamespacedPod({ namespace: 'gpu', name: 'fft-0' });
    assert.equal(api.calls.at(-1)?.auth, 'Bearer sa-2');
    api.acceptTokens = new Set(['sa-1']);

    await rejectsOneLine(loadRestConfig({ ...opts, env: {} }), /KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT must be set/);
    const noCa = tmp();
    writeFileSync(join(noCa, 'token'), 'sa-1');
    await rejectsOneLine(loadRestConfig({ ...opts, serviceAccountDir: noCa }), /in-cluster configuration: CA certificate: ENOENT/);
  });

  it('prefers $KUBECONFIG, then ~/.kube/config, then the service account', async () => {
    const sa = tmp();
    writeFileSync(join(sa, 'ca.crt'), ca.caPem);
    writeFileSync(join(sa, 'token'), 'sa-1');
    const env = { KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(api.port) };
    const home = tmp();
    mkdirSync(join(home, '.kube'));
    writeFileSync(join(home, '.kube', 'config'), `apiVersion: v1\nkind: Config\n`);
    const explicit = api.writeKubeconfigWith(tmp(), { cluster: { 'insecure-skip-tls-verify': true } });
    const base = { serviceAccountDir: sa, home };
    assert.match((await loadRestConfig({ ...base, env: { ...env, KUBECONFIG: explicit } })).description, /^kubeconfig .*kubeconfig\.yaml/);
    await rejectsOneLine(loadRestConfig({ ...base, env }), /\.kube\/config: current-context is not set/);
    assert.match((await loadRestConfig({ ...base, home: tmp(), env })).description, /^in-cluster/);
  });
});
