/** (d) GPU cost per team: GPU time by namespace and tier, priced per GPU-hour. */
import { DashboardBuilder, TextBoxVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, datasourceVariable, Grid, labelVariable, query } from './common.js';
import { CustomVariableBuilder } from '@grafana/grafana-foundation-sdk/dashboard';

/** GPU-seconds per second by namespace, tier and clock (recording rule in alerts/kts.rules.yaml). */
const RATE = 'namespace_tier_clock:kts_busy_seconds:rate5m';
const SEL = 'namespace=~"$namespace", tier=~"$tier"';

export function costDashboard(): DashboardBuilder {
  const d = new DashboardBuilder('kts / GPU cost')
    .uid('kts-cost')
    .tags(['kts'])
    .description(
      'GPU time per namespace and tier from the sidecars\' kts_busy_seconds_total, priced per GPU-hour. Wall clock: the GPU held ' +
        '(launch to synchronize, waiting included); device clock: kernels running.',
    )
    .refresh('1m')
    .time({ from: 'now-24h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('namespace', 'Namespace', 'kts_tier_info', ''))
    .withVariable(labelVariable('tier', 'Tier', 'kts_tier_info', 'namespace=~"$namespace"'))
    .withVariable(
      new CustomVariableBuilder('clock')
        .label('GPU time')
        .values('wall,device')
        .current({ text: 'wall', value: 'wall' })
        .description('wall: time the GPU was held; device: kernel time'),
    )
    .withVariable(
      new TextBoxVariableBuilder('price').label('Price per GPU-hour').defaultValue('2.50').current({ text: '2.50', value: '2.50' }),
    );
  const ts = (title: string, unit: string, expr: string, legend: string) =>
    new TimeSeries().title(title).datasource(DATASOURCE).unit(unit).withTarget(query(expr, legend));
  const stat = (title: string, unit: string, expr: string, legend: string) =>
    new Stat().title(title).datasource(DATASOURCE).unit(unit).decimals(2).withTarget(query(expr, legend).instant());
  const inRange = `sum by (namespace, tier) (increase(kts_busy_seconds_total{clock="$clock", namespace=~"$namespace"}[$__range]) * on (namespace, pod) group_left (tier) max by (namespace, pod, tier) (kts_tier_info{${SEL}}))`;
  new Grid(d)
    .add(stat('GPU-hours in the time range', 'h', `${inRange} / 3600`, '{{namespace}} {{tier}}'))
    .add(stat('Cost in the time range', 'currencyUSD', `${inRange} / 3600 * $price`, '{{namespace}} {{tier}}'))
    .add(ts('Cost rate by namespace and tier (per hour)', 'currencyUSD', `sum by (namespace, tier) (${RATE}{clock="$clock", ${SEL}}) * $price`, '{{namespace}} {{tier}}'))
    .add(ts('GPUs busy by tier', 'none', `sum by (tier) (${RATE}{clock="$clock", ${SEL}})`, '{{tier}}'))
    .add(
      ts('GPU held (wall) against kernels running (device)', 'none', `sum by (namespace, clock) (${RATE}{${SEL}})`, '{{namespace}} {{clock}}'),
    )
    .add(
      ts(
        'Top workloads by GPU time',
        'none',
        `topk(10, sum by (namespace, pod, workload) (rate(kts_busy_seconds_total{clock="$clock", namespace=~"$namespace"}[$__rate_interval])))`,
        '{{namespace}}/{{pod}} {{workload}}',
      ),
    );
  return d;
}
