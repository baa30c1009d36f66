/**
 * node:http and node:https, loaded with `require` on purpose. Their ES module facades read every
 * export when imported, and Node 24's node:http exports lazy getters (WebSocket, CloseEvent,
 * MessageEvent) that load the built-in undici (fetch): about 7 MB of heap and 10 MB more of the
 * Node binary paged in, in a sidecar that never fetches (issue 17; measured by bench/idle-rss).
 * `require` returns the CommonJS exports object and leaves those getters unread.
 */
import { createRequire } from 'node:module';

const load = createRequire(import.meta.url);

export const http = load('node:http') as typeof import('node:http');
export const https = load('node:https') as typeof import('node:https');
