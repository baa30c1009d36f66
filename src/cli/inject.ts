/**
 * Wires `kts inject -f <manifest|->` (manifests with the sidecar injected, like
 * `istioctl kube-inject`) and `kts webhook review <file|->` (the webhook's AdmissionReview
 * response without a cluster or TLS).
 */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { review } from '../k8s/admission.js';
import type { WebhookConfig } from '../k8s/webhook-server.js';
import { VERSION } from '../version.js';
import { requireFlags, UsageError } from './errors.js';
import { type LogLevel, logLevel } from './log-level.js';
import { untilStopped } from './signals.js';

export const DEFAULT_IMAGE = `ghcr.io/kts-exporter/kts-exporter:${VERSION}`;

async function readInput(path: string): Promise<string> {
  try {
    if (path === '-') {
      const chunks: Buffer[] = [];
      for await (const c of process.stdin) chunks.push(c as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    }
    return await readFile(path, 'utf8');
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

function serverMinor(v: string): number {
  const m = /^v?1\.(\d+)/.exec(v);
  if (m === null) throw new UsageError(`invalid --server-version: '${v}' is not 1.<minor>`);
  return Number(m[1]);
}

interface WebhookFlags {
  listen: string;
  image: string;
  nativeSidecars: string;
  tlsCert?: string;
  tlsKey?: string;
  service: string;
  webhookConfig: string;
  caSecret: string;
  logLevel: string;
}

/** 'auto': the shared Secret whenever the webhook writes its caBundle itself. */
function caSecretOf(f: WebhookFlags, ns: string): { namespace: string; name: string } | undefined {
  const name = f.caSecret === 'auto' ? (f.webhookConfig === 'none' ? 'none' : 'kts-webhook-ca') : f.caSecret;
  return name === 'none' ? undefined : { namespace: ns, name };
}

/** Validates the webhook's flags; a bad one is a usage error naming it. */
export function webhookConfig(f: WebhookFlags, env: NodeJS.ProcessEnv): WebhookConfig & { logLevel: LogLevel } {
  const i = f.listen.lastIndexOf(':');
  const port = Number(f.listen.slice(i + 1));
  if (i < 0 || !Number.isInteger(port) || port < 0 || port > 65535)
    throw new UsageError(`invalid --listen: '${f.listen}' is not [host]:port`);
  if (!['auto', 'true', 'false'].includes(f.nativeSidecars))
    throw new UsageError(`invalid --native-sidecars: '${f.nativeSidecars}' (auto, true, false)`);
  if ((f.tlsCert === undefined) !== (f.tlsKey === undefined)) throw new UsageError('invalid --tls-cert/--tls-key: give both or neither');
  for (const [flag, file] of [
    ['--tls-cert', f.tlsCert],
    ['--tls-key', f.tlsKey],
  ] as const)
    if (file !== undefined && !existsSync(file)) throw new UsageError(`invalid ${flag}: ${file} does not exist`);
  const level = logLevel(f.logLevel);
  const ns = env.POD_NAMESPACE || 'kts-system';
  return {
    logLevel: level,
    listen: { host: f.listen.slice(0, i), port },
    image: f.image,
    nativeSidecars: f.nativeSidecars as WebhookConfig['nativeSidecars'],
    tls:
      f.tlsCert !== undefined && f.tlsKey !== undefined
        ? { kind: 'files', certFile: f.tlsCert, keyFile: f.tlsKey }
        : {
            kind: 'self-signed',
            dnsNames: [`${f.service}.${ns}.svc`, `${f.service}.${ns}.svc.cluster.local`, f.service],
            webhookConfig: f.webhookConfig === 'none' ? undefined : f.webhookConfig,
            caSecret: caSecretOf(f, ns),
          },
  };
}

export function registerInject(program: Command, print: (line: string) => void, warn: (line: string) => void): void {
  program
    .command('inject')
    .description('print the manifest(s) with the kts sidecar injected into every pod template that requests a GPU')
    .option('-f, --filename <file>', "manifest (YAML, several documents allowed), or '-' for stdin (required)")
    .option('--image <ref>', 'sidecar image', DEFAULT_IMAGE)
    .option('--server-version <1.minor>', 'Kubernetes version the manifests are for (1.29+: native sidecar)', '1.29')
    .option('--force', 'inject even into pods without a GPU request')
    .action(async (given: { filename?: string; image: string; serverVersion: string; force?: boolean }) => {
      const { filename } = requireFlags(given, ['filename']);
      const minor = serverMinor(given.serverVersion);
      const text = await readInput(filename);
      // yaml (160 KB of source) is loaded only by the command that edits manifests.
      const { injectManifest } = await import('../k8s/manifest.js');
      let r: ReturnType<typeof injectManifest>;
      try {
        r = injectManifest(text, { image: given.image, serverMinor: minor, ...(given.force === true ? { force: true } : {}) });
      } catch (err) {
        throw new UsageError(`${filename}: ${(err as Error).message}`);
      }
      for (const n of r.notes) warn(`kts inject: ${n}`);
      print(r.text);
    });

  const webhook = program
    .command('webhook')
    .description('the sidecar injector: HTTPS mutating admission webhook (POST /mutate, /mutate-namespace)')
    .option('--listen <[host]:port>', 'HTTPS listen address', ':8443')
    .option('--image <ref>', 'sidecar image to inject', DEFAULT_IMAGE)
    .option('--native-sidecars <mode>', 'auto (ask the API server), true or false', 'auto')
    .option('--tls-cert <file>', 'serving certificate (cert-manager); default: a self-signed CA made at start-up')
    .option('--tls-key <file>', 'key of --tls-cert')
    .option('--service <name>', 'Service name in front of the webhook (for the self-signed certificate)', 'kts-webhook')
    .option(
      '--webhook-config <name>',
      "MutatingWebhookConfiguration to write the self-signed CA into ('none': do not)",
      'kts-sidecar-injector',
    )
    .option(
      '--ca-secret <name>',
      "Secret (in $POD_NAMESPACE) holding the self-signed CA all replicas share, created by the first ('auto': kts-webhook-ca unless --webhook-config is none; 'none': a CA of this replica's own)",
      'auto',
    )
    .option('--log-level <level>', 'fatal, error, warn, info, debug, trace, silent', 'info')
    .action(async (given: WebhookFlags) => {
      const cfg = webhookConfig(given, process.env);
      const stopped = untilStopped();
      const { createLogger } = await import('./logger.js');
      const logger = createLogger(cfg.logLevel, 'kts-webhook');
      const { startWebhook } = await import('../k8s/webhook-server.js');
      const { loadKubeConfig } = await import('../k8s/client.js');
      let kubeConfig: Awaited<ReturnType<typeof loadKubeConfig>> | undefined;
      try {
        kubeConfig = loadKubeConfig();
      } catch {
        kubeConfig = undefined;
      }
      const running = await startWebhook(cfg, { logger, ...(kubeConfig !== undefined ? { kubeConfig } : {}) });
      await stopped;
      await running.close();
      logger.info('kts webhook stopped');
    });
  webhook
    .command('review')
    .argument('<file>', "an admission.k8s.io/v1 AdmissionReview (JSON), or '-' for stdin")
    .description('print the AdmissionReview response (with its JSONPatch) the webhook would return, without a cluster or TLS')
    .option('--image <ref>', 'sidecar image', DEFAULT_IMAGE)
    .option('--server-version <1.minor>', 'API server version (1.29+: native sidecar)', '1.29')
    .option('--namespace-opt-in', 'treat the namespace as labelled kts.dev/inject=true')
    .action(async (file: string, given: { image: string; serverVersion: string; namespaceOptIn?: boolean }) => {
      let input: unknown;
      try {
        input = JSON.parse(await readInput(file));
      } catch (err) {
        if (err instanceof UsageError) throw err;
        throw new UsageError(`${file} is not JSON: ${(err as Error).message}`);
      }
      let r: ReturnType<typeof review>;
      try {
        r = review(input, {
          image: given.image,
          serverMinor: serverMinor(given.serverVersion),
          namespaceOptIn: given.namespaceOptIn === true,
        });
      } catch (err) {
        throw new UsageError(`${file}: ${(err as Error).message}`);
      }
      warn(`kts webhook review: ${r.reason}`);
      print(JSON.stringify(r.review, null, 2));
    });
}
