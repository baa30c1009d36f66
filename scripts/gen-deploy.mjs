#!/usr/bin/env node
// Writes the monitoring overlay's PrometheusRule and dashboard ConfigMaps, and the Helm chart's
// generated templates and files (run after `npm run build`).
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CHART_DIR, chartFiles } from '../dist/deploy/src/helm.js';
import { dashboardsYaml, prometheusRuleYaml } from '../dist/deploy/src/monitoring.js';

const root = fileURLToPath(new URL('../', import.meta.url));
writeFileSync(`${root}deploy/overlays/monitoring/prometheus-rule.yaml`, prometheusRuleYaml(root));
writeFileSync(`${root}deploy/overlays/monitoring/dashboards.yaml`, dashboardsYaml());
for (const [path, text] of chartFiles(root)) {
  const file = `${root}${CHART_DIR}/${path}`;
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, text);
}
