import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { dashboardJson, dashboards } from '../../dashboards/src/index.js';
import { CATALOG } from '../../src/metrics/catalog.js';
import { DEFAULT_THRESHOLDS } from '../../src/stats/live.js';
import { ROOT } from '../helpers.js';
import { DASHBOARD_FILES, loadDashboard } from './panels.js';

describe('dashboards', () => {
  it('are generated from dashboards/src and committed current', () => {
    const generated = dashboards();
    assert.deepEqual(Object.keys(generated).sort(), [...DASHBOARD_FILES].sort());
    for (const [file, doc] of Object.entries(generated)) {
      assert.equal(readFileSync(`${ROOT}dashboards/${file}`, 'utf8'), dashboardJson(doc), `${file}: run \`npm run dashboards\``);
    }
  });

  it('query the datasource variable, with unique refIds and a unit on every panel', () => {
    for (const file of DASHBOARD_FILES) {
      const d = loadDashboard(file);
      assert.ok(
        d.templating.list.some((v) => v.name === 'datasource' && v.type === 'datasource'),
        `${file} datasource variable`,
      );
      for (const p of d.panels) {
        // biome-ignore lint/suspicious/noTemplateCurlyInString: Grafana's variable syntax, not a template literal
        assert.equal(p.datasource?.uid, '${datasource}', `${file}: ${p.title}`);
        const refs = (p.targets ?? []).map((t) => t.refId);
        assert.equal(new Set(refs).size, refs.length, `${file}: ${p.title} refIds`);
        assert.ok((p.targets ?? []).length > 0, `${file}: ${p.title} has a query`);
        if (p.type === 'timeseries') assert.ok((p.fieldConfig?.defaults?.unit ?? '') !== '', `${file}: ${p.title} unit`);
      }
    }
  });

  it('use only metric names from the catalog, recording rules or Prometheus itself', () => {
    const known = new Set(CATALOG.map((m) => m.name));
    const rules = readFileSync(`${ROOT}alerts/kts.rules.yaml`, 'utf8');
    for (const file of DASHBOARD_FILES) {
      for (const p of loadDashboard(file).panels) {
        for (const t of p.targets ?? []) {
          for (const name of t.expr.match(/\b(kts_[a-z0-9_]+|[a-z_]+:kts_[a-z0-9_]+:[a-z0-9]+)\b/g) ?? []) {
            const base = name.replace(/_(bucket|sum|count)$/, '');
            assert.ok(known.has(base) || rules.includes(`record: ${name}`), `${file}: ${p.title}: ${name}`);
          }
        }
      }
    }
  });

  it('draw the DF thresholds the sidecar and the alerts use by default', () => {
    for (const file of ['kts-overview.json', 'kts-workload.json']) {
      const dfPanels = loadDashboard(file).panels.filter(
        (p) => /degradation factor|DF/i.test(p.title) && p.fieldConfig?.defaults?.thresholds,
      );
      assert.ok(dfPanels.length > 0, file);
      for (const p of dfPanels) {
        const values = (p.fieldConfig?.defaults?.thresholds?.steps ?? []).map((s) => s.value).filter((v) => v !== null);
        assert.deepEqual(values, [DEFAULT_THRESHOLDS.warning, DEFAULT_THRESHOLDS.critical], `${file}: ${p.title}`);
      }
    }
  });
});
