#!/usr/bin/env node
// Writes dashboards/*.json from dashboards/src (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { dashboardJson, dashboards } from '../dist/dashboards/src/index.js';

for (const [file, doc] of Object.entries(dashboards())) {
  writeFileSync(new URL(`../dashboards/${file}`, import.meta.url), dashboardJson(doc));
}
