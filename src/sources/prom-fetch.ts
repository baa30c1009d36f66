/** One bounded HTTP GET of a metrics endpoint: a time limit and a body size limit. */

export type FetchProblem = 'down' | 'timeout' | 'http_status' | 'too_large';

export type FetchResult = { ok: true; text: string } | { ok: false; problem: FetchProblem; message: string };

export async function fetchBounded(url: string, timeoutMs: number, maxBytes: number): Promise<FetchResult> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), headers: { accept: 'text/plain;version=0.0.4' } });
    if (res.status !== 200) {
      await res.body?.cancel();
      return { ok: false, problem: 'http_status', message: `${url} answered HTTP ${res.status}` };
    }
    const declared = Number(res.headers.get('content-length') ?? Number.NaN);
    if (declared > maxBytes) {
      await res.body?.cancel();
      return { ok: false, problem: 'too_large', message: `${url}: body of ${declared} bytes is over ${maxBytes}` };
    }
    if (res.body === null) return { ok: true, text: '' };
    const reader = res.body.getReader();
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.byteLength;
      if (size > maxBytes) {
        await reader.cancel();
        return { ok: false, problem: 'too_large', message: `${url}: body over ${maxBytes} bytes` };
      }
      chunks.push(value);
    }
    return { ok: true, text: Buffer.concat(chunks).toString('utf8') };
  } catch (err) {
    const name = (err as Error).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      return { ok: false, problem: 'timeout', message: `${url}: no answer within ${timeoutMs} ms` };
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    return { ok: false, problem: 'down', message: `${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}` };
  }
}
