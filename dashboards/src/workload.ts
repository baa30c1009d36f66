/** (b) Workload detail: one workload of one pod, on the chosen clock. */
import { AnnotationQueryBuilder, DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as Heatmap } from '@grafana/grafana-foundation-sdk/heatmap';
import { PromQueryFormat } from '@grafana/grafana-foundation-sdk/prometheus';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { clockVariable, DATASOURCE, datasourceVariable, dfPanel, Grid, labelVariable, query } from './common.js';

const SEL = 'namespace=~"$namespace", pod=~"$pod", workload=~"$workload"';
const SEL_CLOCK = `${SEL}, clock="$clock"`;

export function workloadDashboard(): DashboardBuilder {
  const d = new DashboardBuilder('kts / Workload detail')
    .uid('kts-workload')
    .tags(['kts', 'gpu'])
    .description('One workload: quantiles against its solo baseline, the latency heatmap, degradation, tail exceedance, detection and throughput.')
    .refresh('30s')
    .time({ from: 'now-1h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('namespace', 'Namespace', 'kts_build_info', ''))
    .withVariable(labelVariable('pod', 'Pod', 'kts_build_info', 'namespace=~"$namespace"'))
    .withVariable(labelVariable('workload', 'Workload', 'kts_samples_total', 'namespace=~"$namespace", pod=~"$pod"'))
    .withVariable(clockVariable())
    .annotation(
      new AnnotationQueryBuilder()
        .name('kts alerts')
        .datasource(DATASOURCE)
        .enable(true)
        .iconColor('red')
        .expr('ALERTS{alertname=~"Kts.*", alertstate="firing", namespace=~"$namespace", pod=~"$pod"}')
        .titleFormat('{{alertname}}')
        .textFormat('{{workload}} {{clock}} {{severity}}'),
    );
  new Grid(d)
    .add(
      new TimeSeries()
        .title('Latency quantiles (1m) and the solo baseline p99')
        .datasource(DATASOURCE)
        .unit('s')
        .withTarget(query(`kts_latency_seconds{${SEL_CLOCK}, window="1m"}`, '{{workload}} p{{percentile}}'))
        .withTarget(query(`kts_baseline_latency_seconds{${SEL_CLOCK}, percentile="99"}`, '{{workload}} baseline p99', 'B')),
      24,
    )
    .add(
      new Heatmap()
        .title('Latency heatmap')
        .datasource(DATASOURCE)
        .calculate(false)
        .withTarget(
          query(`sum by (le) (rate(kts_iteration_duration_seconds_bucket{${SEL_CLOCK}}[$__rate_interval]))`, '{{le}}').format(PromQueryFormat.Heatmap),
        ),
    )
    .add(
      dfPanel('Degradation factor (live p99 / baseline p99)')
        .withTarget(query(`kts_degradation_factor{${SEL_CLOCK}}`, '{{workload}} {{window}}'))
        .withTarget(query(`kts_degradation_threshold{${SEL}}`, '{{workload}} {{severity}} threshold', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Share of samples above the baseline p99')
        .datasource(DATASOURCE)
        .unit('percentunit')
        .withTarget(query(`kts_tail_exceedance_ratio{${SEL_CLOCK}}`, '{{workload}} {{window}}')),
    )
    .add(
      new TimeSeries()
        .title('Contention detection')
        .description('1 while the sequential test says contention; score: onset statistic / threshold (1 = alarm).')
        .datasource(DATASOURCE)
        .unit('none')
        .withTarget(query(`kts_contention_detected{${SEL_CLOCK}}`, '{{workload}} detected'))
        .withTarget(query(`kts_contention_score_ratio{${SEL_CLOCK}}`, '{{workload}} score', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Jitter p99/p50')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(2)
        .withTarget(query(`kts_jitter_ratio{${SEL_CLOCK}}`, '{{workload}} {{window}}')),
    )
    .add(
      new TimeSeries()
        .title('Throughput')
        .datasource(DATASOURCE)
        .unit('ops')
        .withTarget(query(`kts_throughput_iterations_per_second{${SEL}, window="1m"}`, '{{workload}} observed'))
        .withTarget(query(`kts_throughput_proxy_iterations_per_second{${SEL_CLOCK}, window="1m"}`, '{{workload}} 1000/mean', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Queueing delay (wall - device, 1m)')
        .datasource(DATASOURCE)
        .unit('s')
        .withTarget(query(`kts_queueing_delay_seconds{${SEL}, window="1m"}`, '{{workload}} p{{percentile}}')),
    )
    .add(
      new TimeSeries()
        .title('Wall p99 while the GPU was alone vs shared (dcgm pod mapping)')
        .datasource(DATASOURCE)
        .unit('s')
        .withTarget(query(`kts_latency_by_tenancy_seconds{${SEL}, percentile="99"}`, '{{workload}} {{tenancy}}')),
    )
    .add(
      new TimeSeries()
        .title('Rank correlation of wall latency with SM activity')
        .description('Spearman rho over the last 2000 iterations: near 1 when the tail follows the GPU being busy.')
        .datasource(DATASOURCE)
        .unit('none')
        .min(-1)
        .max(1)
        .withTarget(query(`kts_latency_sm_active_correlation{${SEL}}`, '{{workload}}')),
    )
    .add(
      new TimeSeries()
        .title('GPU activity (dcgm-exporter)')
        .datasource(DATASOURCE)
        .unit('percentunit')
        .withTarget(query('kts_gpu_sm_active_ratio{namespace=~"$namespace", pod=~"$pod"}', '{{pod}} SM active'))
        .withTarget(query('kts_gpu_utilization_ratio{namespace=~"$namespace", pod=~"$pod"}', '{{pod}} utilisation', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Pods sharing the GPU')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(0)
        .withTarget(query('kts_gpu_pods_sharing{namespace=~"$namespace", pod=~"$pod"}', '{{pod}}')),
    )
    .add(
      new TimeSeries()
        .title('GPU power')
        .datasource(DATASOURCE)
        .unit('watt')
        .withTarget(query('kts_gpu_power_watts{namespace=~"$namespace", pod=~"$pod"}', '{{pod}}')),
    )
    .add(
      new TimeSeries()
        .title('GPU memory used')
        .datasource(DATASOURCE)
        .unit('bytes')
        .withTarget(query('kts_gpu_framebuffer_used_bytes{namespace=~"$namespace", pod=~"$pod"}', '{{pod}}')),
    );
  return d;
}
