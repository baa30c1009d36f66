#!/usr/bin/env node
// Writes METRICS.md from the metric catalog (run after `npm run build`).
import { writeFileSync } from 'node:fs';
import { metricsMarkdown } from '../dist/src/metrics/docs.js';

writeFileSync(new URL('../METRICS.md', import.meta.url), metricsMarkdown());
