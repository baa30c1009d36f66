/** Reads the committed dashboards: every panel's queries, with the template variables. */
import { readFileSync } from 'node:fs';
import { ROOT } from '../helpers.js';

export const DASHBOARD_FILES = ['kts-overview.json', 'kts-workload.json', 'kts-health.json', 'kts-cost.json'];

export interface Panel {
  title: string;
  type: string;
  datasource?: { uid?: string };
  fieldConfig?: { defaults?: { unit?: string; thresholds?: { steps: { value: number | null; color: string }[] } } };
  targets?: { expr: string; refId?: string; datasource?: { uid?: string } }[];
}

export interface Dashboard {
  uid: string;
  title: string;
  panels: Panel[];
  templating: { list: { name: string; type: string; query?: unknown }[] };
  annotations?: { list?: { expr?: string; name?: string }[] };
}

export function loadDashboard(file: string): Dashboard {
  return JSON.parse(readFileSync(`${ROOT}dashboards/${file}`, 'utf8')) as Dashboard;
}

/** A query as Grafana would send it with every variable at "All" and the wall clock. */
export function concrete(expr: string): string {
  return expr
    .replaceAll('$__rate_interval', '1m')
    .replaceAll('$__range', '5m')
    .replaceAll('$price', '2.5')
    .replaceAll('"$clock"', '"wall"')
    .replace(/\$(namespace|pod|workload|tier)\b/g, '.*');
}
