/**
 * A Kubernetes watch over the sidecar's REST client: `GET <path>?watch=true&...`, answered
 * with one JSON event (`{"type": ..., "object": ...}`) per line. Lines are bounded (an
 * over-long one ends the watch with an error); a line that is not JSON is skipped, as
 * @kubernetes/client-node's Watch does. `done` is called once when the watch ends: with null
 * when the server closed it (it does, every few minutes), with the error otherwise; never
 * after abort(). The caller restarts it.
 *
 * Like client-go's reflector, each watch asks the server to end it after 5 to 10 minutes
 * (timeoutSeconds), and gives up on its own a minute after that: a connection that died
 * without a reset then costs a restart, not a baseline that silently stops following.
 */
import type { Abortable, RestTransport } from './rest.js';

/** Larger than any object the API server stores (1.5 MiB etcd request limit), with JSON overhead. */
export const MAX_WATCH_LINE_BYTES = 4 << 20;

export interface WatchOptions {
  maxLineBytes?: number;
  /** timeoutSeconds asked of the server; default: random in [300, 600). */
  timeoutSeconds?: number;
}

const NEWLINE = 0x0a;

export async function watch<T>(
  rest: RestTransport,
  path: string,
  query: Record<string, string | undefined>,
  onEvent: (type: string, object: T) => void,
  done: (err: unknown) => void,
  opts: WatchOptions = {},
): Promise<Abortable> {
  const maxLine = opts.maxLineBytes ?? MAX_WATCH_LINE_BYTES;
  const timeoutSeconds = opts.timeoutSeconds ?? 300 + Math.floor(Math.random() * 300);
  let ended = false;
  let stream: Abortable | undefined;
  let deadline: NodeJS.Timeout | undefined;
  const end = (err: unknown): void => {
    if (ended) return;
    ended = true;
    clearTimeout(deadline);
    stream?.abort();
    done(err);
  };
  const handle: Abortable = {
    abort: () => {
      ended = true;
      clearTimeout(deadline);
      stream?.abort();
    },
  };
  let open: Awaited<ReturnType<RestTransport['stream']>>;
  try {
    open = await rest.stream(path, { ...query, watch: 'true', timeoutSeconds: String(timeoutSeconds) });
  } catch (err) {
    end(err);
    return handle;
  }
  stream = open;
  if (ended) {
    open.abort();
    return handle;
  }
  deadline = setTimeout(() => end(new Error(`no end of the watch ${timeoutSeconds + 60} s after it began`)), (timeoutSeconds + 60) * 1000);
  deadline.unref();

  let pending: Buffer[] = [];
  let pendingBytes = 0;
  const line = (buf: Buffer): void => {
    if (buf.length === 0) return;
    try {
      const event = JSON.parse(buf.toString('utf8')) as { type?: unknown; object?: unknown };
      if (typeof event.type === 'string') onEvent(event.type, event.object as T);
    } catch {
      // not an event: skipped
    }
  };
  const res = open.response;
  res.on('data', (chunk: Buffer) => {
    let start = 0;
    for (let nl = chunk.indexOf(NEWLINE); nl >= 0 && !ended; nl = chunk.indexOf(NEWLINE, start)) {
      if (pendingBytes + nl - start > maxLine) return end(new Error(`watch event over ${maxLine} bytes`));
      const part = chunk.subarray(start, nl);
      line(pendingBytes === 0 ? part : Buffer.concat([...pending, part]));
      pending = [];
      pendingBytes = 0;
      start = nl + 1;
    }
    if (ended || start >= chunk.length) return;
    pending.push(chunk.subarray(start));
    pendingBytes += chunk.length - start;
    if (pendingBytes > maxLine) end(new Error(`watch event over ${maxLine} bytes`));
  });
  res.once('end', () => end(null));
  res.once('error', (err) => end(err));
  res.once('close', () => end(res.complete ? null : new Error('watch connection closed')));
  return handle;
}
