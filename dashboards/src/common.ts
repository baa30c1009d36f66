/**
 * Shared pieces of the kts dashboards (built with @grafana/grafana-foundation-sdk): the
 * datasource and label variables, thresholds that match the alert rules, and a panel grid.
 */
import type * as cog from '@grafana/grafana-foundation-sdk/cog';
import {
  CustomVariableBuilder,
  type DashboardBuilder,
  DatasourceVariableBuilder,
  QueryVariableBuilder,
  ThresholdsConfigBuilder,
  ThresholdsMode,
  VariableRefresh,
} from '@grafana/grafana-foundation-sdk/dashboard';
import { GraphThresholdsStyleConfigBuilder, GraphThresholdsStyleMode } from '@grafana/grafana-foundation-sdk/common';
import { DataqueryBuilder } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';

export const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** Defaults of `kts serve --df-warning/--df-critical`; alerts use each sidecar's own values. */
export const DF_WARNING = 1.2;
export const DF_CRITICAL = 1.5;

export const dfThresholds = (): ThresholdsConfigBuilder =>
  new ThresholdsConfigBuilder().mode(ThresholdsMode.Absolute).steps([
    { value: null as unknown as number, color: 'green' },
    { value: DF_WARNING, color: 'orange' },
    { value: DF_CRITICAL, color: 'red' },
  ]);

/** A time series of degradation factors: unitless, two decimals, the DF thresholds as dashed lines. */
export function dfPanel(title: string): TimeSeries {
  return new TimeSeries()
    .title(title)
    .datasource(DATASOURCE)
    .unit('none')
    .decimals(2)
    .thresholds(dfThresholds())
    .thresholdsStyle(new GraphThresholdsStyleConfigBuilder().mode(GraphThresholdsStyleMode.Dashed));
}

export const query = (expr: string, legend = '__auto', refId = 'A'): DataqueryBuilder =>
  new DataqueryBuilder().refId(refId).expr(expr).legendFormat(legend).datasource(DATASOURCE).range();

export function datasourceVariable(): DatasourceVariableBuilder {
  return new DatasourceVariableBuilder('datasource').label('Data source').type('prometheus');
}

export function labelVariable(name: string, label: string, metric: string, selector: string, all = true): QueryVariableBuilder {
  const v = new QueryVariableBuilder(name)
    .label(label)
    .datasource(DATASOURCE)
    .query(`label_values(${metric}${selector === '' ? '' : `{${selector}}`}, ${name})`)
    .refresh(VariableRefresh.OnTimeRangeChanged)
    .sort(1)
    .multi(all);
  return all ? v.includeAll(true).allValue('.*') : v;
}

export function clockVariable(): CustomVariableBuilder {
  return new CustomVariableBuilder('clock').label('Clock').values('wall,device,queue').current({ text: 'wall', value: 'wall' });
}

/** Places panels left to right, two per row of 8 units, unless a width is given. */
export class Grid {
  private x = 0;
  private y = 0;
  private rowHeight = 0;

  constructor(private readonly dashboard: DashboardBuilder) {}

  add<P extends cog.Builder<unknown> & { gridPos(p: { x: number; y: number; w: number; h: number }): P }>(panel: P, w = 12, h = 8): this {
    if (this.x + w > 24) {
      this.x = 0;
      this.y += this.rowHeight;
      this.rowHeight = 0;
    }
    this.dashboard.withPanel(panel.gridPos({ x: this.x, y: this.y, w, h }) as never);
    this.x += w;
    this.rowHeight = Math.max(this.rowHeight, h);
    return this;
  }
}
