/** One bounded HTTP GET of a metrics endpoint: a time limit and a body size limit. */
import { HttpGetError, httpGet } from '../io/http-get.js';

export type FetchProblem = 'down' | 'timeout' | 'http_status' | 'too_large';

export type FetchResult = { ok: true; text: string } | { ok: false; problem: FetchProblem; message: string };

export async function fetchBounded(url: string, timeoutMs: number, maxBytes: number): Promise<FetchResult> {
  try {
    const res = await httpGet(url, { timeoutMs, headers: { accept: 'text/plain;version=0.0.4' } });
    if (res.status !== 200) {
      res.cancel();
      return { ok: false, problem: 'http_status', message: `${url} answered HTTP ${res.status}` };
    }
    const declared = Number(res.headers['content-length'] ?? Number.NaN);
    if (declared > maxBytes) {
      res.cancel();
      return { ok: false, problem: 'too_large', message: `${url}: body of ${declared} bytes is over ${maxBytes}` };
    }
    const chunks: Buffer[] = [];
    let size = 0;
    for await (const chunk of res.body) {
      size += chunk.length;
      if (size > maxBytes) {
        res.cancel();
        return { ok: false, problem: 'too_large', message: `${url}: body over ${maxBytes} bytes` };
      }
      chunks.push(chunk);
    }
    return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    if (err instanceof HttpGetError && err.kind === 'timeout')
      return { ok: false, problem: 'timeout', message: `${url}: no answer within ${timeoutMs} ms` };
    return { ok: false, problem: 'down', message: `${url}: ${(err as Error).message}` };
  }
}
