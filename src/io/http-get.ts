/**
 * One HTTP(S) GET with a time limit over the whole exchange, its body streamed. The sidecar's
 * scrapes (dcgm-exporter, an inference server's /metrics) use this rather than `fetch`: the
 * first `fetch` loads Node's built-in undici, about 7 MB of heap and 10 MB more of the Node
 * binary paged in, in every sidecar (issue 17). No redirects are followed (metrics endpoints
 * answer where they are asked).
 */
import type { IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { http, https } from './node-http.js';

/** Why a GET failed before a status line: no answer in time, or no connection (refused, DNS, TLS). */
export class HttpGetError extends Error {
  constructor(
    readonly kind: 'timeout' | 'down',
    message: string,
  ) {
    super(message);
  }
}

export interface HttpGetResponse {
  status: number;
  headers: IncomingHttpHeaders;
  /** The body as it arrives; iterating it throws an HttpGetError when the time limit passes. */
  body: AsyncIterable<Buffer>;
  /** Stops reading and drops the connection (a body over its budget, or not wanted). */
  cancel(): void;
}

export function httpGet(url: string, opts: { timeoutMs: number; headers?: Record<string, string> }): Promise<HttpGetResponse> {
  return new Promise((resolve, reject) => {
    let target: URL;
    try {
      target = new URL(url);
    } catch {
      reject(new HttpGetError('down', 'invalid URL'));
      return;
    }
    const lib = target.protocol === 'https:' ? https : target.protocol === 'http:' ? http : undefined;
    if (lib === undefined) {
      reject(new HttpGetError('down', `unsupported scheme ${target.protocol}`));
      return;
    }
    let res: IncomingMessage | undefined;
    const req = lib.get(target, { headers: opts.headers ?? {} });
    const timer = setTimeout(() => {
      const err = new HttpGetError('timeout', `no answer within ${opts.timeoutMs} ms`);
      req.destroy(err);
      res?.destroy(err);
    }, opts.timeoutMs);
    timer.unref();
    req.once('error', (err: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(err instanceof HttpGetError ? err : new HttpGetError('down', err.code ?? err.message));
    });
    req.once('response', (r) => {
      res = r;
      r.once('end', () => clearTimeout(timer));
      r.once('close', () => clearTimeout(timer));
      resolve({
        status: r.statusCode ?? 0,
        headers: r.headers,
        body: r,
        cancel: () => {
          clearTimeout(timer);
          r.destroy();
        },
      });
    });
  });
}
