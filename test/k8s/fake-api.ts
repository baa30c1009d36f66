/**
 * An HTTP-level fake Kubernetes API server for tests. It serves the real API shapes the
 * code uses (pods, pod log streams with follow/timestamps/sinceTime, ConfigMaps with watch,
 * Events, pod status patches) from in-memory state, and records every request so tests can
 * check the verbs against the RBAC manifests. It is a test double for the API server, not
 * a mock of our code: the real @kubernetes/client-node (webhook, guard) and the sidecar's own
 * client (src/k8s/rest.ts) talk to it over HTTP, or HTTPS with client certificates.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo, Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { KubeConfig } from '@kubernetes/client-node';
import jsonpatch from 'fast-json-patch';
import { stringify } from 'yaml';
import { connectSidecarApi, type SidecarApi } from '../../src/k8s/sidecar-api.js';

export interface LogLine {
  /** RFC3339Nano, as the kubelet writes it. */
  ts: string;
  text: string;
}

export interface RecordedCall {
  method: string;
  path: string;
  query: URLSearchParams;
  /** The RBAC verb this request needs (get, list, watch, create, update, patch, delete). */
  verb: string;
  /** `pods`, `pods/log`, `pods/status`, `configmaps`, `events`, ... */
  resource: string;
  body: unknown;
  /** The Authorization header, if any. */
  auth: string | undefined;
  /** Common name of the client certificate, when one signed by the client CA was presented. */
  clientCert: string | undefined;
  contentType: string | undefined;
}

export interface FakeTls {
  certPem: string;
  keyPem: string;
  /** CA of the client certificates to accept (they are asked for, not required). */
  clientCaPem?: string;
}

type Json = Record<string, unknown>;
/** Request handlers return whether they answered (undefined: a stream left open). */
type Handled = true | undefined;

interface LogFollower {
  key: string;
  res: ServerResponse;
  timestamps: boolean;
}

interface Watcher {
  ns: string;
  name: string | undefined;
  res: ServerResponse;
}

function rfc3339Nano(ns: bigint): string {
  const ms = Number(ns / 1_000_000n);
  const iso = new Date(ms).toISOString().slice(0, 19);
  const frac = (ns % 1_000_000_000n).toString().padStart(9, '0').replace(/0+$/, '');
  return `${iso}${frac === '' ? '' : `.${frac}`}Z`;
}

/** Seconds-resolution comparison key, as the API server parses sinceTime (metav1.Time). */
function secondsOf(ts: string): string {
  return ts.slice(0, 19);
}

export class FakeKubeApi {
  readonly calls: RecordedCall[] = [];
  readonly pods = new Map<string, Json>();
  readonly configMaps = new Map<string, Json>();
  /** Secrets keyed `ns/name`. */
  readonly secrets = new Map<string, Json>();
  readonly events: Json[] = [];
  /** MutatingWebhookConfigurations by name (cluster-scoped). */
  readonly webhookConfigs = new Map<string, Json>();
  /** Nodes by name (cluster-scoped). */
  readonly nodes = new Map<string, Json>();
  /** coordination.k8s.io/v1 Leases keyed `ns/name`. */
  readonly leases = new Map<string, Json>();
  /** Pods (`ns/name`) whose PodDisruptionBudget forbids an eviction now: the Eviction API answers 429. */
  readonly pdbRefuse = new Set<string>();
  /** Pods evicted through the Eviction API, in order. */
  readonly evicted: string[] = [];
  /** What GET /version answers. */
  version = { major: '1', minor: '30', gitVersion: 'v1.30.4' };
  /** Container logs keyed `ns/pod/container`. */
  readonly logs = new Map<string, LogLine[]>();
  /** Answer the next N requests on this path prefix with this HTTP status. */
  readonly failNext = new Map<string, { status: number; count: number }>();
  /** Requests on these path prefixes get no answer at all. */
  readonly stall = new Set<string>();
  /** When set, a request needs one of these bearer tokens or a client certificate: else 401. */
  acceptTokens: Set<string> | undefined;
  private readonly followers = new Set<LogFollower>();
  private readonly watchers = new Set<Watcher>();
  private readonly sockets = new Set<Socket>();
  private server: Server | undefined;
  private clockNs = BigInt(Date.now()) * 1_000_000n;
  private resourceVersion = 1000;
  url = '';

  /** Listens on 127.0.0.1; over HTTPS with `tls`. */
  async start(tls?: FakeTls): Promise<string> {
    const handler = (req: IncomingMessage, res: ServerResponse): void => {
      void this.handle(req, res);
    };
    this.server =
      tls === undefined
        ? createServer(handler)
        : createHttpsServer(
            {
              cert: tls.certPem,
              key: tls.keyPem,
              ...(tls.clientCaPem !== undefined ? { ca: tls.clientCaPem, requestCert: true, rejectUnauthorized: false } : {}),
            },
            handler,
          );
    this.server.on(tls === undefined ? 'connection' : 'secureConnection', (s: Socket) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `${tls === undefined ? 'http' : 'https'}://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.url;
  }

  get port(): number {
    return Number(new URL(this.url).port);
  }

  /** Writes a kubeconfig pointing at this server; set KUBECONFIG to the returned path. */
  writeKubeconfig(dir: string, namespace = 'default'): string {
    const path = join(dir, 'kubeconfig.yaml');
    writeFileSync(
      path,
      [
        'apiVersion: v1',
        'kind: Config',
        'clusters:',
        `- name: fake\n  cluster:\n    server: ${this.url}\n    insecure-skip-tls-verify: true`,
        'users:',
        '- name: fake\n  user:\n    token: fake-token',
        'contexts:',
        `- name: fake\n  context:\n    cluster: fake\n    user: fake\n    namespace: ${namespace}`,
        'current-context: fake',
        '',
      ].join('\n'),
    );
    return path;
  }

  /**
   * Writes a kubeconfig with one context pointing at this server, the given cluster and user
   * fields (kubeconfig spelling: token, tokenFile, client-certificate-data, ...).
   */
  writeKubeconfigWith(dir: string, fields: { cluster?: Record<string, unknown>; user?: Record<string, unknown> }): string {
    const path = join(dir, 'kubeconfig.yaml');
    const doc = {
      apiVersion: 'v1',
      kind: 'Config',
      clusters: [{ name: 'fake', cluster: { server: this.url, ...fields.cluster } }],
      users: [{ name: 'fake', user: { ...fields.user } }],
      contexts: [{ name: 'fake', context: { cluster: 'fake', user: 'fake', namespace: 'default' } }],
      'current-context': 'fake',
    };
    writeFileSync(path, stringify(doc));
    return path;
  }

  /** The sidecar's own API client for this server (kubeconfig written to a temporary directory). */
  sidecarApi(): Promise<SidecarApi> {
    const dir = mkdtempSync(join(tmpdir(), 'kts-fake-api-'));
    return connectSidecarApi({ env: { KUBECONFIG: this.writeKubeconfig(dir) } });
  }

  /** A client configuration for this server (kubeconfig written to a temporary directory). */
  kubeConfig(): KubeConfig {
    const kc = new KubeConfig();
    kc.loadFromFile(this.writeKubeconfig(mkdtempSync(join(tmpdir(), 'kts-fake-api-'))));
    return kc;
  }

  async stop(): Promise<void> {
    for (const f of this.followers) f.res.destroy();
    for (const w of this.watchers) w.res.destroy();
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }

  addPod(ns: string, name: string, pod: Json = {}): Json {
    const meta = (pod.metadata ?? {}) as Json;
    const full: Json = {
      apiVersion: 'v1',
      kind: 'Pod',
      ...pod,
      metadata: { uid: `uid-${name}`, resourceVersion: String(this.resourceVersion++), ...meta, name, namespace: ns },
    };
    this.pods.set(`${ns}/${name}`, full);
    return full;
  }

  addNode(name: string, taints?: Json[]): Json {
    const node: Json = {
      apiVersion: 'v1',
      kind: 'Node',
      metadata: { name, uid: `uid-node-${name}`, resourceVersion: String(this.resourceVersion++) },
      spec: taints === undefined ? {} : { taints },
    };
    this.nodes.set(name, node);
    return node;
  }

  /** A kubectl-style edit of a node (bumps its resourceVersion), e.g. to race the guard. */
  touchNode(name: string): void {
    const n = this.nodes.get(name) as { metadata: Json } | undefined;
    if (n !== undefined) n.metadata.resourceVersion = String(this.resourceVersion++);
  }

  taintsOf(name: string): Json[] {
    return (((this.nodes.get(name)?.spec as Json | undefined)?.taints as Json[] | undefined) ?? []).slice();
  }

  /** Appends lines to a container log (timestamps strictly increasing) and streams them to followers. */
  appendLog(ns: string, pod: string, container: string, texts: readonly string[]): LogLine[] {
    const key = `${ns}/${pod}/${container}`;
    const list = this.logs.get(key) ?? [];
    this.logs.set(key, list);
    const added: LogLine[] = [];
    for (const text of texts) {
      this.clockNs += 1_000_001n;
      const line = { ts: rfc3339Nano(this.clockNs), text };
      list.push(line);
      added.push(line);
    }
    for (const f of this.followers) {
      if (f.key !== key) continue;
      f.res.write(added.map((l) => (f.timestamps ? `${l.ts} ${l.text}\n` : `${l.text}\n`)).join(''));
    }
    return added;
  }

  /** Cuts every open log stream mid-flight, as a dropped connection or API server restart would. */
  dropLogStreams(): number {
    const n = this.followers.size;
    for (const f of this.followers) f.res.socket?.destroy();
    this.followers.clear();
    return n;
  }

  get openLogStreams(): number {
    return this.followers.size;
  }

  get openWatches(): number {
    return this.watchers.size;
  }

  dropWatches(): void {
    for (const w of this.watchers) w.res.socket?.destroy();
    this.watchers.clear();
  }

  /** Ends every open watch cleanly, as the API server does when a watch's time is up. */
  endWatches(): void {
    for (const w of this.watchers) w.res.end();
    this.watchers.clear();
  }

  /** Writes raw bytes into every open watch stream. */
  writeWatches(raw: string): void {
    for (const w of this.watchers) w.res.write(raw);
  }

  /** Creates or replaces a ConfigMap and notifies watchers, as a `kubectl apply` would. */
  putConfigMap(ns: string, name: string, data: Record<string, string>): Json {
    const key = `${ns}/${name}`;
    const type = this.configMaps.has(key) ? 'MODIFIED' : 'ADDED';
    const cm = {
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name, namespace: ns, resourceVersion: String(this.resourceVersion++), uid: `uid-cm-${name}` },
      data,
    };
    this.configMaps.set(key, cm);
    this.notify(ns, name, type, cm);
    return cm;
  }

  callsFor(resource: string): RecordedCall[] {
    return this.calls.filter((c) => c.resource === resource);
  }

  private notify(ns: string, name: string, type: string, object: Json): void {
    for (const w of this.watchers) {
      if (w.ns === ns && (w.name === undefined || w.name === name)) w.res.write(`${JSON.stringify({ type, object })}\n`);
    }
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<Handled> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = raw;
    }
    const parts = url.pathname.split('/').filter((p) => p !== '');
    // /api/v1/namespaces/{ns}/{resource}[/{name}[/{sub}]]
    const [api, v, nsWord, ns, resource, name, sub] = parts;
    const method = req.method ?? 'GET';
    const watch = url.searchParams.get('watch') === 'true';
    const verb =
      method === 'GET'
        ? watch
          ? 'watch'
          : name === undefined
            ? 'list'
            : 'get'
        : method === 'POST'
          ? 'create'
          : method === 'PUT'
            ? 'update'
            : method === 'PATCH'
              ? 'patch'
              : 'delete';
    const resName = `${resource ?? ''}${sub !== undefined ? `/${sub}` : ''}`;
    const socket = req.socket as Partial<TLSSocket>;
    const peer = socket.authorized === true ? socket.getPeerCertificate?.() : undefined;
    const clientCert = typeof peer?.subject?.CN === 'string' ? peer.subject.CN : undefined;
    const auth = req.headers.authorization;
    const contentType = req.headers['content-type'];
    this.calls.push({ method, path: url.pathname, query: url.searchParams, verb, resource: resName, body, auth, clientCert, contentType });

    if ([...this.stall].some((p) => url.pathname.startsWith(p))) return;
    if (this.acceptTokens !== undefined && clientCert === undefined) {
      const token = auth?.startsWith('Bearer ') === true ? auth.slice(7) : undefined;
      if (token === undefined || !this.acceptTokens.has(token)) return this.status(res, 401, 'Unauthorized', 'Unauthorized');
    }
    for (const [prefix, f] of this.failNext) {
      if (url.pathname.startsWith(prefix) && f.count > 0) {
        f.count--;
        return this.status(res, f.status, 'InternalError', 'injected failure');
      }
    }
    if (url.pathname === '/version') return this.json(res, 200, this.version);
    const mwc = /^\/apis\/admissionregistration\.k8s\.io\/v1\/mutatingwebhookconfigurations\/([^/]+)$/.exec(url.pathname);
    if (mwc !== null) {
      const name = mwc[1] as string;
      const last = this.calls[this.calls.length - 1];
      if (last !== undefined) {
        last.resource = 'mutatingwebhookconfigurations';
        if (method === 'GET') last.verb = 'get';
      }
      const current = this.webhookConfigs.get(name);
      if (current === undefined) return this.status(res, 404, 'NotFound', `mutatingwebhookconfigurations "${name}" not found`);
      if (method === 'GET') return this.json(res, 200, current);
      if (method === 'PUT') {
        const rv = ((body as Json).metadata as Json | undefined)?.resourceVersion;
        const currentRv = (current.metadata as Json | undefined)?.resourceVersion;
        if (rv !== undefined && currentRv !== undefined && rv !== currentRv)
          return this.status(res, 409, 'Conflict', 'the object has been modified; please apply your changes to the latest version');
        const next = {
          ...(body as Json),
          metadata: { ...((body as Json).metadata as Json), resourceVersion: String(this.resourceVersion++) },
        };
        this.webhookConfigs.set(name, next);
        return this.json(res, 200, next);
      }
      return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
    }
    const last = this.calls[this.calls.length - 1] as RecordedCall;
    if (api === 'api' && v === 'v1' && nsWord === 'nodes') {
      last.resource = 'nodes';
      last.verb = method === 'GET' ? (ns === undefined ? 'list' : 'get') : last.verb;
      return this.node(req, res, ns, method, body);
    }
    if (api === 'api' && v === 'v1' && nsWord === 'pods' && ns === undefined && method === 'GET') {
      last.resource = 'pods';
      last.verb = 'list';
      const items = [...this.pods.values()].filter((p) => this.selects(p, url.searchParams));
      return this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items });
    }
    if (api === 'apis' && v === 'coordination.k8s.io') {
      // /apis/coordination.k8s.io/v1/namespaces/{ns}/leases[/{name}]
      const [, , , , lns, lres] = parts;
      last.resource = lres ?? '';
      last.verb = method === 'GET' ? (parts[6] === undefined ? 'list' : 'get') : last.verb;
      if (lres !== 'leases' || lns === undefined) return this.status(res, 404, 'NotFound', `no route for ${url.pathname}`);
      return this.lease(res, lns, parts[6], method, body);
    }
    if (api !== 'api' || v !== 'v1' || nsWord !== 'namespaces' || ns === undefined) {
      return this.status(res, 404, 'NotFound', `no route for ${url.pathname}`);
    }
    if (resource === 'pods') return this.pod(req, res, url, ns, name, sub, body);
    if (resource === 'configmaps') return this.configMap(res, url, ns, name, method, body, watch);
    if (resource === 'secrets') return this.secret(res, ns, name, method, body);
    if (resource === 'events' && method === 'POST') {
      const ev = { ...(body as Json) };
      const meta = (ev.metadata ?? {}) as Json;
      ev.metadata = { ...meta, name: meta.name ?? `${String(meta.generateName ?? 'ev')}${this.events.length}`, namespace: ns };
      this.events.push(ev);
      return this.json(res, 201, ev);
    }
    return this.status(res, 404, 'NotFound', `no route for ${url.pathname}`);
  }

  private pod(
    req: IncomingMessage,
    res: ServerResponse,
    url: URL,
    ns: string,
    name: string | undefined,
    sub: string | undefined,
    body: unknown,
  ): Handled {
    const pod = name === undefined ? undefined : this.pods.get(`${ns}/${name}`);
    if (name !== undefined && pod === undefined) return this.status(res, 404, 'NotFound', `pods "${name}" not found`);
    if (sub === 'log' && pod !== undefined && name !== undefined) {
      const container = url.searchParams.get('container') ?? '';
      const key = `${ns}/${name}/${container}`;
      const timestamps = url.searchParams.get('timestamps') === 'true';
      const since = url.searchParams.get('sinceTime');
      const lines = (this.logs.get(key) ?? []).filter((l) => since === null || secondsOf(l.ts) >= secondsOf(since));
      res.writeHead(200, { 'content-type': 'text/plain', 'transfer-encoding': 'chunked' });
      if (lines.length > 0) res.write(lines.map((l) => (timestamps ? `${l.ts} ${l.text}\n` : `${l.text}\n`)).join(''));
      if (url.searchParams.get('follow') !== 'true') {
        res.end();
        return;
      }
      const f: LogFollower = { key, res, timestamps };
      this.followers.add(f);
      req.on('close', () => this.followers.delete(f));
      return;
    }
    if (sub === 'eviction' && req.method === 'POST' && pod !== undefined && name !== undefined) {
      const key = `${ns}/${name}`;
      if (this.pdbRefuse.has(key)) {
        return this.status(res, 429, 'TooManyRequests', "Cannot evict pod as it would violate the pod's disruption budget.");
      }
      this.pods.delete(key);
      this.evicted.push(key);
      return this.json(res, 201, { apiVersion: 'v1', kind: 'Status', status: 'Success', code: 201 });
    }
    if (sub === 'status' && req.method === 'PATCH' && pod !== undefined) {
      const patch = body as { status?: { conditions?: Json[] } };
      const status = (pod.status ?? {}) as { conditions?: Json[] };
      // Strategic merge of conditions by type, as the API server does for pod status.
      const conditions = [...(status.conditions ?? [])];
      for (const c of patch.status?.conditions ?? []) {
        const i = conditions.findIndex((x) => x.type === c.type);
        if (i >= 0) conditions[i] = { ...conditions[i], ...c };
        else conditions.push(c);
      }
      pod.status = { ...status, conditions };
      return this.json(res, 200, pod);
    }
    if (sub === undefined && req.method === 'GET' && pod !== undefined) return this.json(res, 200, pod);
    if (sub === undefined && req.method === 'GET') {
      const items = [...this.pods.entries()].filter(([k]) => k.startsWith(`${ns}/`)).map(([, p]) => p);
      return this.json(res, 200, { apiVersion: 'v1', kind: 'PodList', metadata: { resourceVersion: '1' }, items });
    }
    return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
  }

  /** labelSelector `k=v[,k=v]` and fieldSelector `status.phase=X`, as the API server filters lists. */
  private selects(pod: Json, q: URLSearchParams): boolean {
    const labels = ((pod.metadata as Json | undefined)?.labels ?? {}) as Record<string, string>;
    for (const term of (q.get('labelSelector') ?? '').split(',').filter((t) => t !== '')) {
      const [k = '', val] = term.split('=');
      if (labels[k] !== val) return false;
    }
    const phase = /status\.phase=([^,]+)/.exec(q.get('fieldSelector') ?? '')?.[1];
    return phase === undefined || (pod.status as Json | undefined)?.phase === phase;
  }

  private node(req: IncomingMessage, res: ServerResponse, name: string | undefined, method: string, body: unknown): Handled {
    if (name === undefined && method === 'GET') {
      return this.json(res, 200, {
        apiVersion: 'v1',
        kind: 'NodeList',
        metadata: { resourceVersion: '1' },
        items: [...this.nodes.values()],
      });
    }
    const node = name === undefined ? undefined : this.nodes.get(name);
    if (node === undefined || name === undefined) return this.status(res, 404, 'NotFound', `nodes "${name}" not found`);
    if (method === 'GET') return this.json(res, 200, node);
    if (method === 'PATCH' && (req.headers['content-type'] ?? '').startsWith('application/json-patch+json')) {
      try {
        const next = jsonpatch.applyPatch(structuredClone(node), body as jsonpatch.Operation[], true, false).newDocument as Json;
        (next.metadata as Json).resourceVersion = String(this.resourceVersion++);
        this.nodes.set(name, next);
        return this.json(res, 200, next);
      } catch (err) {
        // A failed `test` operation: the API server answers 422 Invalid.
        return this.status(res, 422, 'Invalid', `the JSON patch could not be applied: ${(err as Error).message}`);
      }
    }
    return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
  }

  private lease(res: ServerResponse, ns: string, name: string | undefined, method: string, body: unknown): Handled {
    const key = `${ns}/${name ?? ''}`;
    if (method === 'GET' && name !== undefined) {
      const l = this.leases.get(key);
      return l === undefined ? this.status(res, 404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`) : this.json(res, 200, l);
    }
    if (method === 'POST') {
      const l = body as Json;
      const n = String((l.metadata as Json | undefined)?.name ?? '');
      if (this.leases.has(`${ns}/${n}`)) return this.status(res, 409, 'AlreadyExists', `leases.coordination.k8s.io "${n}" already exists`);
      const stored = {
        ...l,
        metadata: { ...(l.metadata as Json), name: n, namespace: ns, resourceVersion: String(this.resourceVersion++) },
      };
      this.leases.set(`${ns}/${n}`, stored);
      return this.json(res, 201, stored);
    }
    if (method === 'PUT' && name !== undefined) {
      const current = this.leases.get(key) as { metadata: { resourceVersion: string } } | undefined;
      if (current === undefined) return this.status(res, 404, 'NotFound', `leases.coordination.k8s.io "${name}" not found`);
      const l = body as Json;
      const rv = (l.metadata as Json | undefined)?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) {
        return this.status(
          res,
          409,
          'Conflict',
          'Operation cannot be fulfilled on leases.coordination.k8s.io: the object has been modified',
        );
      }
      const stored = { ...l, metadata: { ...(l.metadata as Json), name, namespace: ns, resourceVersion: String(this.resourceVersion++) } };
      this.leases.set(key, stored);
      return this.json(res, 200, stored);
    }
    return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
  }

  private configMap(
    res: ServerResponse,
    url: URL,
    ns: string,
    name: string | undefined,
    method: string,
    body: unknown,
    watch: boolean,
  ): Handled {
    if (watch) {
      const selector = url.searchParams.get('fieldSelector') ?? '';
      const m = /metadata\.name=([^,]+)/.exec(selector);
      const w: Watcher = { ns, name: name ?? m?.[1], res };
      res.writeHead(200, { 'content-type': 'application/json', 'transfer-encoding': 'chunked' });
      // A real watch without resourceVersion starts with ADDED for what exists.
      for (const [k, cm] of this.configMaps) {
        const meta = cm.metadata as { name: string };
        if (k.startsWith(`${ns}/`) && (w.name === undefined || meta.name === w.name))
          res.write(`${JSON.stringify({ type: 'ADDED', object: cm })}\n`);
      }
      this.watchers.add(w);
      res.on('close', () => this.watchers.delete(w));
      return;
    }
    if (method === 'GET' && name !== undefined) {
      const cm = this.configMaps.get(`${ns}/${name}`);
      return cm === undefined ? this.status(res, 404, 'NotFound', `configmaps "${name}" not found`) : this.json(res, 200, cm);
    }
    if (method === 'POST') {
      const cm = body as { metadata?: { name?: string }; data?: Record<string, string> };
      const n = cm.metadata?.name ?? '';
      if (this.configMaps.has(`${ns}/${n}`)) return this.status(res, 409, 'AlreadyExists', `configmaps "${n}" already exists`);
      return this.json(res, 201, this.putConfigMap(ns, n, cm.data ?? {}));
    }
    if (method === 'PUT' && name !== undefined) {
      const cm = body as { metadata?: { resourceVersion?: string }; data?: Record<string, string> };
      const current = this.configMaps.get(`${ns}/${name}`) as { metadata: { resourceVersion: string } } | undefined;
      if (current === undefined) return this.status(res, 404, 'NotFound', `configmaps "${name}" not found`);
      const rv = cm.metadata?.resourceVersion;
      if (rv !== undefined && rv !== current.metadata.resourceVersion) {
        return this.status(res, 409, 'Conflict', 'the object has been modified; please apply your changes to the latest version');
      }
      return this.json(res, 200, this.putConfigMap(ns, name, cm.data ?? {}));
    }
    return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
  }

  private secret(res: ServerResponse, ns: string, name: string | undefined, method: string, body: unknown): Handled {
    if (method === 'GET' && name !== undefined) {
      const s = this.secrets.get(`${ns}/${name}`);
      return s === undefined ? this.status(res, 404, 'NotFound', `secrets "${name}" not found`) : this.json(res, 200, s);
    }
    if (method === 'POST' && name === undefined) {
      const s = body as { metadata?: Json };
      const n = String(s.metadata?.name ?? '');
      if (this.secrets.has(`${ns}/${n}`)) return this.status(res, 409, 'AlreadyExists', `secrets "${n}" already exists`);
      const stored = { ...s, metadata: { ...s.metadata, namespace: ns, resourceVersion: String(this.resourceVersion++) } };
      this.secrets.set(`${ns}/${n}`, stored);
      return this.json(res, 201, stored);
    }
    return this.status(res, 405, 'MethodNotAllowed', 'not supported by the fake');
  }

  private json(res: ServerResponse, code: number, obj: unknown): Handled {
    res.writeHead(code, { 'content-type': 'application/json' });
    res.end(JSON.stringify(obj));
    return true;
  }

  private status(res: ServerResponse, code: number, reason: string, message: string): Handled {
    return this.json(res, code, { apiVersion: 'v1', kind: 'Status', status: 'Failure', message, reason, code });
  }
}
