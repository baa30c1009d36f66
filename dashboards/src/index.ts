/** Every kts dashboard, by file name under dashboards/ (generated with `npm run dashboards`). */
import { costDashboard } from './cost.js';
import { healthDashboard } from './health.js';
import { overviewDashboard } from './overview.js';
import { workloadDashboard } from './workload.js';

export function dashboards(): Record<string, unknown> {
  return {
    'kts-overview.json': overviewDashboard().build(),
    'kts-workload.json': workloadDashboard().build(),
    'kts-health.json': healthDashboard().build(),
    'kts-cost.json': costDashboard().build(),
  };
}

export function dashboardJson(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
