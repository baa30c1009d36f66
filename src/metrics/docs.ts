/** METRICS.md, generated from the catalog (`npm run docs:metrics`; a test keeps it current). */
import { CATALOG, DURATION_BUCKETS, type MetricSpec } from './catalog.js';

const GROUPS: Record<MetricSpec['group'], string> = {
  latency: 'Latency',
  detection: 'Degradation and contention detection',
  baseline: 'Baselines',
  input: 'Input',
  gpu: 'GPU correlation (dcgm-exporter, with --dcgm-url)',
  cost: 'GPU time and tiers (cost per team)',
  guard: 'Contention guard (`kts guard`, its own /metrics)',
  sidecar: 'Sidecar',
};

export function metricsMarkdown(): string {
  const out = [
    '# Metrics',
    '',
    '<!-- Generated from src/metrics/catalog.ts by `npm run docs:metrics`. Do not edit by hand. -->',
    '',
    'Everything `kts serve` exposes on `/metrics` (Prometheus text format), besides the standard',
    '`process_*` and `nodejs_*` metrics of prom-client. Base units: seconds and ratios; counters end',
    'in `_total`. Pod, namespace and container labels come from Prometheus target discovery.',
    '',
    'Label values: `clock` is `device` (CUDA events) or `wall` (host span); `window` is `1m`, `5m`',
    'or `total` (since start); `quantile` is `0.5`, `0.95`, `0.99` or `0.999`.',
    `\`kts_iteration_duration_seconds\` buckets (seconds): ${DURATION_BUCKETS.join(', ')}.`,
  ];
  for (const [group, title] of Object.entries(GROUPS)) {
    out.push('', `## ${title}`, '', '| metric | type | labels | meaning |', '|---|---|---|---|');
    for (const m of CATALOG.filter((x) => x.group === group)) {
      out.push(`| \`${m.name}\` | ${m.type} | ${m.labels.map((l) => `\`${l}\``).join(', ') || '—'} | ${m.help} |`);
    }
  }
  out.push('');
  return out.join('\n');
}
