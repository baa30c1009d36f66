/** The human status page at `/`: one card per workload, plain server-rendered HTML. */
import type { StatusDocument } from './status.js';

const esc = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const ms = (v: number | null | undefined): string => (typeof v === 'number' ? `${v.toFixed(3)} ms` : '–');
const x = (v: number | null | undefined): string => (typeof v === 'number' ? `${v.toFixed(2)}×` : '–');

function sparkline(points: readonly number[]): string {
  const vals = points.filter((v) => Number.isFinite(v));
  if (vals.length < 2) return '<svg class="spark" width="160" height="32" role="img" aria-label="no history yet"></svg>';
  const max = Math.max(...vals);
  const min = Math.min(...vals);
  const span = max - min || 1;
  const step = 160 / (points.length - 1);
  const coords = points
    .map((v, i) => (Number.isFinite(v) ? `${(i * step).toFixed(1)},${(30 - ((v - min) / span) * 28).toFixed(1)}` : ''))
    .filter((c) => c !== '')
    .join(' ');
  return `<svg class="spark" width="160" height="32" role="img" aria-label="wall p99, last minutes"><polyline fill="none" stroke="#2b6cb0" stroke-width="1.5" points="${coords}"/></svg>`;
}

function dfClass(df: number | null | undefined, t: { warning: number; critical: number }): string {
  if (typeof df !== 'number') return '';
  return df >= t.critical ? 'crit' : df >= t.warning ? 'warn' : 'ok';
}

function mismatchLine(m: Partial<Record<string, string | null>> | undefined): string {
  const off = Object.entries(m ?? {}).filter(([, d]) => d !== null);
  if (off.length === 0) return '';
  return `<p class="warn">baseline mismatch: alone, the workload is ${off.map(([c, d]) => `${esc(String(d))} on the ${esc(c)} clock`).join(', ')} than its stored baseline</p>`;
}

export function statusPage(doc: StatusDocument, history: (workload: string) => readonly number[]): string {
  const cards = doc.workloads.map((w) => {
    const dev = w.clocks.device;
    const wall = w.clocks.wall;
    const queue = w.clocks.queue;
    const contention = wall?.contention === true || dev?.contention === true || queue?.contention === true;
    // The queueing DF is against a small floored baseline: flagged at twice the thresholds, as its alert does.
    const queueThresholds = { warning: 2 * w.thresholds.warning, critical: 2 * w.thresholds.critical };
    const state =
      w.baseline === null
        ? '<span class="muted">no baseline</span>'
        : contention
          ? '<span class="crit">contention detected</span>'
          : '<span class="ok">no contention</span>';
    return `<section class="card" data-workload="${esc(w.workload)}">
  <h2>${esc(w.workload)} <small>${w.samples} samples</small></h2>
  <p class="state">${state}</p>
  <table>
    <tr><th></th><th>p99 (1m)</th><th>DF (1m)</th><th>jitter (1m)</th></tr>
    <tr><th>device</th><td>${ms(dev?.['1m'].p99_ms)}</td><td class="${dfClass(dev?.df_p99?.['1m'], w.thresholds)}">${x(dev?.df_p99?.['1m'])}</td><td>${x(dev?.['1m'].jitter)}</td></tr>
    <tr><th>wall</th><td>${ms(wall?.['1m'].p99_ms)}</td><td class="${dfClass(wall?.df_p99?.['1m'], w.thresholds)}">${x(wall?.df_p99?.['1m'])}</td><td>${x(wall?.['1m'].jitter)}</td></tr>
    <tr><th>queue</th><td>${ms(queue?.['1m'].p99_ms)}</td><td class="${dfClass(queue?.df_p99?.['1m'], queueThresholds)}">${x(queue?.df_p99?.['1m'])}</td><td>${x(queue?.['1m'].jitter)}</td></tr>
  </table>
  <p>queueing delay p99 (1m): ${ms(w.queue_p99_ms_1m)} · baseline: ${w.baseline === null ? 'none' : esc(w.baseline.profile)}${w.baseline?.bootstrapped === true ? ' (bootstrapped from alone periods)' : ''}</p>
  ${mismatchLine(w.baseline?.mismatch)}
  ${sparkline(history(w.workload))}
</section>`;
  });
  const sources = doc.sources
    .map((s) => `<li>${esc(s.name)}: ${s.up ? 'up' : 'down'}${s.last_error ? ` (${esc(s.last_error)})` : ''}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kts-exporter</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="10">
<link rel="icon" href="data:,">
<style>
body{font:14px/1.4 system-ui,sans-serif;margin:2rem;color:#1a202c;background:#f7fafc}
h1{font-size:1.4rem}.card{background:#fff;border:1px solid #e2e8f0;border-radius:8px;padding:1rem;margin:0 1rem 1rem 0;display:inline-block;vertical-align:top;min-width:320px}
h2{font-size:1.1rem;margin:0}small,.muted{color:#718096;font-weight:normal}table{border-collapse:collapse;margin:.5rem 0}td,th{padding:.2rem .6rem;text-align:right}
.ok{color:#276749}.warn{color:#b7791f;font-weight:600}.crit{color:#c53030;font-weight:700}
</style></head>
<body>
<h1>kts-exporter ${esc(doc.version)} <small>${doc.ready ? 'ready' : `not ready: ${esc(doc.not_ready_reasons.join('; '))}`}</small></h1>
<ul class="sources">${sources}</ul>
${cards.length > 0 ? cards.join('\n') : '<p class="muted">No KTS_APP samples yet.</p>'}
<p class="muted"><a href="/metrics">/metrics</a> · <a href="/api/status">/api/status</a></p>
</body></html>
`;
}
