#!/usr/bin/env node
// Serves a recorded /metrics sequence (JSONL of {"t_s", "body"}, e.g.
// test/fixtures/prom/vllm-itl-recording.jsonl) on 127.0.0.1:<port>/metrics: each request gets
// the latest body whose t_s has passed (time scaled by --speed; the clock starts at the first
// request, so a scraper that starts late misses nothing), the last one after the end.
// For trying `kts serve --source prom:` without an inference server:
//   node scripts/prom-replay.mjs test/fixtures/prom/vllm-itl-recording.jsonl --port 18000 --speed 4
import { readFileSync } from 'node:fs';
import { createServer } from 'node:http';

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--'));
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : dflt;
};
if (file === undefined) {
  console.error('usage: prom-replay.mjs <recording.jsonl> [--port 18000] [--speed 1]');
  process.exit(2);
}
const frames = readFileSync(file, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l));
const speed = opt('speed', 1);
let started;
const server = createServer((req, res) => {
  if (req.url !== '/metrics') {
    res.writeHead(404).end();
    return;
  }
  started ??= Date.now();
  const t = ((Date.now() - started) / 1000) * speed;
  let frame = frames[0];
  for (const f of frames) if (f.t_s <= t) frame = f;
  res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(frame.body);
});
server.listen(opt('port', 18000), '127.0.0.1', () => {
  console.log(`serving ${frames.length} recorded /metrics bodies on http://127.0.0.1:${server.address().port}/metrics (speed ${speed})`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
