/**
 * `kts webhook`: the mutating admission webhook over HTTPS only. TLS from files
 * (cert-manager) or a self-signed CA shared by every replica through a Secret (create-or-adopt,
 * ca-secret.ts), whose certificate is then written into the caBundle of its own
 * MutatingWebhookConfiguration through the API. Native sidecars are
 * used when the API server is 1.29 or newer (asked at start-up unless configured).
 */
import { readFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { AdmissionregistrationV1Api, type KubeConfig, VersionApi } from '@kubernetes/client-node';
import express from 'express';
import type { Logger } from 'pino';
import { review } from './admission.js';
import { loadOrCreateCa } from './ca-secret.js';
import { errorMessage } from './client.js';
import { NATIVE_SIDECAR_MINOR } from './inject.js';
import { issueServing, makeCa } from './tls.js';

export interface WebhookConfig {
  listen: { host: string; port: number };
  image: string;
  /** 'auto': ask the API server's /version. */
  nativeSidecars: 'auto' | 'true' | 'false';
  tls:
    | { kind: 'files'; certFile: string; keyFile: string }
    | {
        kind: 'self-signed';
        dnsNames: string[];
        webhookConfig: string | undefined;
        /** Secret (namespace/name) holding the CA every replica shares; undefined: a CA of this process's own. */
        caSecret: { namespace: string; name: string } | undefined;
      };
}

export interface RunningWebhook {
  port: number;
  caPem: string | undefined;
  serverMinor: number;
  close(): Promise<void>;
}

/** Writes the CA into every webhook of the named MutatingWebhookConfiguration. */
export async function patchCaBundle(kc: KubeConfig, name: string, caPem: string): Promise<number> {
  const api = kc.makeApiClient(AdmissionregistrationV1Api);
  const caBundle = Buffer.from(caPem).toString('base64');
  for (let attempt = 0; ; attempt++) {
    const cfg = await api.readMutatingWebhookConfiguration({ name });
    // Replicas sharing one CA write the same bundle: once it is there, leave it.
    if ((cfg.webhooks ?? []).every((w) => w.clientConfig.caBundle === caBundle)) return cfg.webhooks?.length ?? 0;
    for (const w of cfg.webhooks ?? []) w.clientConfig = { ...w.clientConfig, caBundle };
    try {
      await api.replaceMutatingWebhookConfiguration({ name, body: cfg });
      return cfg.webhooks?.length ?? 0;
    } catch (err) {
      if ((err as { code?: number }).code !== 409 || attempt >= 3) throw err;
    }
  }
}

async function serverMinorOf(kc: KubeConfig | undefined, setting: WebhookConfig['nativeSidecars'], log: Logger): Promise<number> {
  if (setting === 'true') return NATIVE_SIDECAR_MINOR;
  if (setting === 'false') return NATIVE_SIDECAR_MINOR - 1;
  try {
    if (kc === undefined) throw new Error('no Kubernetes configuration');
    const v = await kc.makeApiClient(VersionApi).getCode();
    const minor = Number.parseInt(v.minor, 10);
    if (!Number.isFinite(minor)) throw new Error(`unreadable version ${v.gitVersion}`);
    return minor;
  } catch (err) {
    log.warn({ err: errorMessage(err) }, 'API server version unknown: injecting plain containers (no native sidecars)');
    return NATIVE_SIDECAR_MINOR - 1;
  }
}

export async function startWebhook(cfg: WebhookConfig, deps: { kubeConfig?: KubeConfig; logger: Logger }): Promise<RunningWebhook> {
  const log = deps.logger;
  let tls: { cert: string; key: string };
  let caPem: string | undefined;
  if (cfg.tls.kind === 'files') {
    tls = { cert: await readFile(cfg.tls.certFile, 'utf8'), key: await readFile(cfg.tls.keyFile, 'utf8') };
  } else {
    const { caSecret, webhookConfig } = cfg.tls;
    if ((caSecret !== undefined || webhookConfig !== undefined) && deps.kubeConfig === undefined)
      throw new Error('--ca-secret and --webhook-config need access to the API server');
    let ca = makeCa();
    if (caSecret !== undefined && deps.kubeConfig !== undefined) {
      const shared = await loadOrCreateCa(deps.kubeConfig, caSecret.namespace, caSecret.name);
      ca = shared.ca;
      log.info({ secret: `${caSecret.namespace}/${caSecret.name}`, origin: shared.origin }, 'webhook CA from the shared Secret');
    }
    const made = issueServing(ca, cfg.tls.dnsNames, ['127.0.0.1']);
    tls = { cert: made.certPem, key: made.keyPem };
    caPem = made.caPem;
    if (webhookConfig !== undefined && deps.kubeConfig !== undefined) {
      const n = await patchCaBundle(deps.kubeConfig, webhookConfig, made.caPem);
      log.info({ webhookConfig, webhooks: n }, 'caBundle written to the MutatingWebhookConfiguration');
    }
  }
  const serverMinor = await serverMinorOf(deps.kubeConfig, cfg.nativeSidecars, log);

  const app = express();
  app.disable('x-powered-by');
  app.use(express.json({ limit: '4mb' }));
  const handle = (namespaceOptIn: boolean) => (req: express.Request, res: express.Response) => {
    try {
      const r = review(req.body, { image: cfg.image, serverMinor, namespaceOptIn });
      const obj = (req.body as { request?: { namespace?: string; object?: { metadata?: { name?: string; generateName?: string } } } })
        .request;
      log.info(
        {
          namespace: obj?.namespace,
          pod: obj?.object?.metadata?.name ?? obj?.object?.metadata?.generateName,
          injected: r.injected,
          reason: r.reason,
        },
        'admission review',
      );
      res.json(r.review);
    } catch (err) {
      res.status(400).json({ error: (err as Error).message });
    }
  };
  app.post('/mutate', handle(false));
  app.post('/mutate-namespace', handle(true));
  app.get('/livez', (_req, res) => res.type('text').send('ok\n'));
  app.get('/readyz', (_req, res) => res.type('text').send('ok\n'));

  const server: Server = createServer({ cert: tls.cert, key: tls.key, minVersion: 'TLSv1.2' }, app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ port: cfg.listen.port, ...(cfg.listen.host === '' ? {} : { host: cfg.listen.host }) }, () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  log.info({ port, serverMinor, nativeSidecars: serverMinor >= NATIVE_SIDECAR_MINOR, image: cfg.image }, 'kts webhook listening (TLS)');
  return {
    port,
    caPem,
    serverMinor,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeIdleConnections();
      }),
  };
}
