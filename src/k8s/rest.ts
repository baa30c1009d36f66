/**
 * A small Kubernetes REST client for the sidecar, on node:http / node:https (required through
 * src/io/node-http.ts, so that neither undici nor @kubernetes/client-node is loaded: together
 * about 30 MB of resident memory in a sidecar that aims at 60). JSON requests have a time
 * limit; streams (watches, logs) have one until the answer's headers arrive. A refused call
 * throws KubeApiError, shaped as @kubernetes/client-node's ApiException where callers look
 * (numeric `code`, `body.message`; see apiErrorCode / errorMessage in ./errors.ts).
 */
import type { Agent, ClientRequest, IncomingMessage, RequestOptions } from 'node:http';
import { http, https } from '../io/node-http.js';
import { VERSION } from '../version.js';
import type { RestConfig } from './rest-config.js';

export const REQUEST_TIMEOUT_MS = 10_000;
/** The largest JSON answer read (a ConfigMap is at most 1 MiB). */
export const MAX_BODY_BYTES = 8 << 20;
const MAX_ERROR_BODY_BYTES = 64 << 10;

/** A refused API call: `code` is the HTTP status, `body` the API server's Status (or `{ message }`). */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    readonly body: unknown,
  ) {
    const message = (body as { message?: unknown } | undefined)?.message;
    super(`HTTP ${code}${typeof message === 'string' ? `: ${message}` : ''}`);
    this.name = 'KubeApiError';
  }
}

/** A stream that is open; abort() ends it without a callback to its owner. */
export interface Abortable {
  abort(): void;
}

export interface OpenStream extends Abortable {
  response: IncomingMessage;
}

export interface JsonRequest {
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Content-Type of the body (default application/json). */
  contentType?: string;
  timeoutMs?: number;
}

/** What the sidecar's API operations need from a transport (KubeRest, or one that always fails). */
export interface RestTransport {
  request<T>(method: string, path: string, req?: JsonRequest): Promise<T>;
  stream(path: string, query?: Record<string, string | undefined>): Promise<OpenStream>;
}

function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    res.on('data', (c: Buffer) => {
      size += c.length;
      if (size > limit) {
        res.destroy(new Error(`answer over ${limit} bytes`));
        return;
      }
      chunks.push(c);
    });
    res.once('end', () => resolve(Buffer.concat(chunks)));
    res.once('error', reject);
    res.once('close', () => {
      if (!res.complete) reject(new Error('connection closed before the answer was complete'));
    });
  });
}

function apiError(status: number, raw: Buffer): KubeApiError {
  const text = raw.toString('utf8');
  try {
    const body: unknown = JSON.parse(text);
    if (typeof body === 'object' && body !== null) return new KubeApiError(status, body);
  } catch {
    // not JSON: a proxy's or load balancer's page
  }
  const line = text.trim().split('\n', 1)[0]?.slice(0, 200) ?? '';
  return new KubeApiError(status, line === '' ? undefined : { message: line });
}

export class KubeRest implements RestTransport {
  private readonly agent: Agent;
  /** Streams get sockets of their own: a long watch never holds up a JSON request. */
  private readonly streamAgent: Agent;
  private readonly secure: boolean;

  constructor(
    readonly config: RestConfig,
    private readonly timeoutMs = REQUEST_TIMEOUT_MS,
  ) {
    this.secure = config.server.protocol === 'https:';
    const tls = this.secure
      ? {
          rejectUnauthorized: config.rejectUnauthorized,
          ...(config.ca !== undefined ? { ca: config.ca } : {}),
          ...(config.cert !== undefined ? { cert: config.cert } : {}),
          ...(config.key !== undefined ? { key: config.key } : {}),
          ...(config.servername !== undefined ? { servername: config.servername } : {}),
        }
      : {};
    const Ctor = this.secure ? https.Agent : http.Agent;
    // Kept-alive sockets: --exit-with reads the pod every few seconds, without a TLS handshake each time.
    this.agent = new Ctor({ keepAlive: true, maxSockets: 4, maxFreeSockets: 1, timeout: 30_000, ...tls });
    this.streamAgent = new Ctor({ keepAlive: false, ...tls });
  }

  url(path: string, query: Record<string, string | undefined> = {}): URL {
    const u = new URL(this.config.server.href.replace(/\/+$/, '') + path);
    for (const [k, v] of Object.entries(query)) if (v !== undefined) u.searchParams.set(k, v);
    return u;
  }

  private async send(method: string, url: URL, agent: Agent, body?: Buffer, contentType?: string): Promise<ClientRequest> {
    const headers: Record<string, string> = { Accept: 'application/json', 'User-Agent': `kts-sidecar/${VERSION}` };
    const token = await this.config.token?.get();
    if (token !== undefined) headers.Authorization = `Bearer ${token}`;
    if (body !== undefined) {
      headers['Content-Type'] = contentType ?? 'application/json';
      headers['Content-Length'] = String(body.length);
    }
    const opts: RequestOptions = { method, headers, agent };
    const req = (this.secure ? https : http).request(url, opts);
    // Failures reach the caller through answer() or the response; none may go unhandled.
    req.on('error', () => undefined);
    req.end(body);
    return req;
  }

  /** Waits for the answer's headers; a 401 makes the token be read again. */
  private answer(req: ClientRequest): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      req.once('error', reject);
      req.once('response', (res: IncomingMessage) => {
        if (res.statusCode === 401) this.config.token?.invalidate();
        resolve(res);
      });
    });
  }

  /** Runs `work` on a request, destroying it if the whole exchange takes longer than `ms`. */
  private async timed<T>(ms: number, start: () => Promise<ClientRequest>, work: (req: ClientRequest) => Promise<T>): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    let req: ClientRequest | undefined;
    let late = false;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        late = true;
        req?.destroy();
        reject(new Error(`no answer from the Kubernetes API within ${ms} ms`));
      }, ms);
    });
    const exchange = start().then((r) => {
      req = r;
      if (late) r.destroy();
      return work(r);
    });
    try {
      return await Promise.race([exchange, expired]);
    } finally {
      clearTimeout(timer);
    }
  }

  async request<T>(method: string, path: string, r: JsonRequest = {}): Promise<T> {
    const url = this.url(path, r.query);
    const payload = r.body === undefined ? undefined : Buffer.from(JSON.stringify(r.body));
    return this.timed(
      r.timeoutMs ?? this.timeoutMs,
      () => this.send(method, url, this.agent, payload, r.contentType),
      async (req) => {
        const res = await this.answer(req);
        const status = res.statusCode ?? 0;
        const ok = status >= 200 && status < 300;
        const raw = await readBody(res, ok ? MAX_BODY_BYTES : MAX_ERROR_BODY_BYTES);
        if (!ok) throw apiError(status, raw);
        if (raw.length === 0) return undefined as T;
        try {
          return JSON.parse(raw.toString('utf8')) as T;
        } catch {
          throw new Error(`${method} ${url.pathname}: the answer is not JSON`);
        }
      },
    );
  }

  /** Opens a streamed GET (watch, log follow); rejects with KubeApiError unless it answers 200. */
  async stream(path: string, query: Record<string, string | undefined> = {}): Promise<OpenStream> {
    const url = this.url(path, query);
    return this.timed(
      this.timeoutMs,
      () => this.send('GET', url, this.streamAgent),
      async (req) => {
        // A peer that vanished without a reset is found by TCP keep-alive probes.
        req.once('socket', (s) => s.setKeepAlive(true, 30_000));
        const res = await this.answer(req);
        if (res.statusCode !== 200) throw apiError(res.statusCode ?? 0, await readBody(res, MAX_ERROR_BODY_BYTES));
        return { response: res, abort: () => req.destroy() };
      },
    );
  }

  /** Closes idle kept-alive sockets. */
  close(): void {
    this.agent.destroy();
    this.streamAgent.destroy();
  }
}

/** A transport for a sidecar without any API configuration: every call fails with `message`. */
export function unconfigured(message: string): RestTransport {
  const fail = (): Promise<never> => Promise.reject(new Error(message));
  return { request: fail, stream: fail };
}
