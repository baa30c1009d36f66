/** The HTTP listener of `kts serve`: bound before any source starts, its failure one clear line. */
import type { RequestListener, Server } from 'node:http';
import { http } from '../io/node-http.js';

/** The listen address cannot be used (in use, not permitted, no such address): a configuration error. */
export class ListenError extends Error {}

const WHY: Record<string, string> = {
  EADDRINUSE: 'address already in use',
  EACCES: 'permission denied',
  EADDRNOTAVAIL: 'address not available on this host',
};

export function listen(app: RequestListener, address: { host: string; port: number }): Promise<Server> {
  return new Promise((resolve, reject) => {
    const srv = http.createServer(app);
    srv.once('error', (err: NodeJS.ErrnoException) => {
      const why = WHY[err.code ?? ''] ?? err.message;
      reject(new ListenError(`--listen ${address.host}:${address.port}: ${why}`));
    });
    srv.listen({ port: address.port, ...(address.host === '' ? {} : { host: address.host }) }, () => resolve(srv));
  });
}
