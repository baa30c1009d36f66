#!/usr/bin/env node
// Writes the monitoring overlay's PrometheusRule and dashboard ConfigMaps (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { dashboardsYaml, prometheusRuleYaml } from '../dist/deploy/src/monitoring.js';

const root = fileURLToPath(new URL('../', import.meta.url));
writeFileSync(`${root}deploy/overlays/monitoring/prometheus-rule.yaml`, prometheusRuleYaml(root));
writeFileSync(`${root}deploy/overlays/monitoring/dashboards.yaml`, dashboardsYaml());
