/**
 * The Kubernetes API calls the sidecar and the webhook make, as `verb resource` strings,
 * recorded by the fake API server: what the RBAC of deploy/ and of the Helm chart must grant.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KubeConfig } from '@kubernetes/client-node';
import { Command } from 'commander';
import { pino } from 'pino';
import { ConfigMapBaselineStore } from '../../src/baselines/configmap-store.js';
import { registerInject, webhookConfig } from '../../src/cli/inject.js';
import { watchCompletion } from '../../src/k8s/completion.js';
import { PodSignaller } from '../../src/k8s/signal.js';
import { issueServing, makeCa } from '../../src/k8s/tls.js';
import { startWebhook } from '../../src/k8s/webhook-server.js';
import { LineDecoder } from '../../src/line/decoder.js';
import { K8sLogSource } from '../../src/sources/k8s-logs.js';
import { waitFor } from '../helpers.js';
import type { FakeKubeApi } from '../k8s/fake-api.js';

function since(api: FakeKubeApi, from: number, keep: (c: { verb: string; resource: string }) => boolean = () => true): Set<string> {
  return new Set(
    api.calls
      .slice(from)
      .filter((c) => c.resource !== '' && keep(c))
      .map((c) => `${c.verb} ${c.resource}`),
  );
}

/**
 * Every API call of the sidecar, through its own client: pod logs, its baseline ConfigMap (read,
 * write, watch), its own pod (--exit-with), pod signals.
 */
export async function sidecarCalls(api: FakeKubeApi): Promise<Set<string>> {
  const from = api.calls.length;
  const core = await api.sidecarApi();
  api.addPod('gpu', 'fft-0', { spec: { containers: [{ name: 'app' }] } });
  api.appendLog('gpu', 'fft-0', 'app', ['KTS_APP,v1,FFT,0,1,2,0.1,']);
  const decoder = new LineDecoder(() => undefined);
  const logs = new K8sLogSource(core, { namespace: 'gpu', name: 'fft-0' }, 'app', decoder);
  await logs.start();
  await waitFor(() => logs.status.up, 5000, 'log stream');
  await logs.stop();
  const store = new ConfigMapBaselineStore(core, 'gpu', 'kts-baselines', 'baseline.json');
  await store.load();
  const doc = { version: 1 as const, profiles: [] };
  await store.write({ ...doc, profiles: [] } as never).catch(() => undefined);
  await store.write({ ...doc, profiles: [] } as never).catch(() => undefined);
  const stop = store.watch(
    () => undefined,
    () => undefined,
  );
  await waitFor(() => api.callsFor('configmaps').some((c) => c.verb === 'watch'), 5000, 'watch');
  stop();
  // --exit-with: a plain sidecar in a Job's pod reads its own pod.
  const stopCompletion = watchCompletion(
    core,
    { namespace: 'gpu', name: 'fft-0' },
    'app',
    () => undefined,
    () => undefined,
    10,
  );
  await waitFor(() => api.callsFor('pods').some((c) => c.verb === 'get'), 5000, 'own pod read (--exit-with)');
  stopCompletion();
  const signaller = new PodSignaller(core, { namespace: 'gpu', name: 'fft-0' }, () => undefined);
  await signaller.update([
    { workload: 'FFT', df: { device: 1, wall: 2 }, p99Ms: { device: 1, wall: 2 }, thresholds: { warning: 1.2, critical: 1.5 } },
  ]);
  // the test's own pod creation is not the sidecar's
  return since(api, from, (c) => c.resource !== 'pods' || c.verb !== 'create');
}

/**
 * The API calls of webhook replicas started with a Deployment's container args (parsed by the
 * CLI's own option definitions), two replicas one after the other as a rollout starts them.
 * Certificate files named in the args are made in a temporary directory.
 */
export async function webhookCalls(api: FakeKubeApi, kc: KubeConfig, args: readonly string[], namespace: string): Promise<Set<string>> {
  if (args[0] !== 'webhook') throw new Error(`not the webhook's args: ${args.join(' ')}`);
  const dir = await mkdtemp(join(tmpdir(), 'kts-webhook-tls-'));
  const made = issueServing(makeCa(), [`kts-webhook.${namespace}.svc`]);
  const local = await Promise.all(
    args.slice(1).map(async (a) => {
      if (!a.startsWith('/')) return a;
      const file = join(dir, a.replace(/\//g, '_'));
      await writeFile(file, a.endsWith('.key') ? made.keyPem : made.certPem);
      return file;
    }),
  );
  const program = new Command();
  registerInject(
    program,
    () => undefined,
    () => undefined,
  );
  const cmd = program.commands.find((c) => c.name() === 'webhook');
  if (cmd === undefined) throw new Error('no webhook command');
  const parsed = cmd.parseOptions(local);
  if (parsed.unknown.length > 0 || parsed.operands.length > 0) throw new Error(`webhook args not understood: ${parsed.unknown.join(' ')}`);
  const cfg = webhookConfig(cmd.opts(), { POD_NAMESPACE: namespace });
  const from = api.calls.length;
  for (let replica = 0; replica < 2; replica++) {
    const hook = await startWebhook(
      { ...cfg, listen: { host: '127.0.0.1', port: 0 } },
      { kubeConfig: kc, logger: pino({ level: 'silent' }) },
    );
    await hook.close();
  }
  return since(api, from);
}
