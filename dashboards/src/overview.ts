/** (a) Tail contention overview: where on the cluster tails are degraded, by node and pod. */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as Stat } from '@grafana/grafana-foundation-sdk/stat';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, datasourceVariable, dfPanel, dfThresholds, Grid, labelVariable, query } from './common.js';

const NS = 'namespace=~"$namespace"';

export function overviewDashboard(): DashboardBuilder {
  const d = new DashboardBuilder('kts / Tail contention overview')
    .uid('kts-overview')
    .tags(['kts', 'gpu'])
    .description('Tail latency damage on shared GPUs: degradation factor (live p99 / solo baseline p99), jitter, queueing delay and detection, per node and pod.')
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('namespace', 'Namespace', 'kts_build_info', ''));
  new Grid(d)
    .add(
      new Stat()
        .title('Workloads with contention detected')
        .datasource(DATASOURCE)
        .withTarget(query(`count(max by (namespace, pod, workload) (kts_contention_detected{${NS}}) == 1) or vector(0)`))
        .thresholds(dfThresholds().steps([{ value: null as unknown as number, color: 'green' }, { value: 1, color: 'red' }])),
      6,
      5,
    )
    .add(
      new Stat()
        .title('Worst wall-clock DF (5m)')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(2)
        .withTarget(query(`max(kts_degradation_factor{${NS}, clock="wall", window="5m"})`))
        .thresholds(dfThresholds()),
      6,
      5,
    )
    .add(
      new Stat()
        .title('Sidecars up')
        .datasource(DATASOURCE)
        .withTarget(query(`sum(up{job=~".*kts.*", ${NS}})`)),
      6,
      5,
    )
    .add(
      new Stat()
        .title('Workloads without a baseline')
        .datasource(DATASOURCE)
        .withTarget(query(`count(kts_baseline_loaded{${NS}} == 0) or vector(0)`))
        .thresholds(dfThresholds().steps([{ value: null as unknown as number, color: 'green' }, { value: 1, color: 'orange' }])),
      6,
      5,
    )
    .add(
      dfPanel('Degradation factor by pod (wall clock, 5m)')
        .description('Live p99 over the solo baseline p99. Dashed lines: the default warning and critical thresholds.')
        .withTarget(query(`max by (namespace, pod, workload) (kts_degradation_factor{${NS}, clock="wall", window="5m"})`, '{{namespace}}/{{pod}} {{workload}}')),
      24,
    )
    .add(
      dfPanel('Degradation factor by node (max, 5m)')
        .withTarget(query('node_clock:kts_degradation_factor:max5m', '{{node}} {{clock}}')),
    )
    .add(
      dfPanel('Degradation factor by GPU (max, 5m)')
        .description('Through each sidecar\'s kts_gpu_info (needs the dcgm-exporter correlation).')
        .withTarget(query('gpu_clock:kts_degradation_factor:max5m', '{{uuid}} {{mig_instance}} {{clock}}')),
    )
    .add(
      new TimeSeries()
        .title('DF by clock: device, wall, queueing (5m)')
        .description(
          'On time-sliced GPUs the device clock often stays flat while the wall clock shows the wait; the queueing clock (wall - device, floored: docs/detection.md) shows it first.',
        )
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(2)
        .withTarget(query(`max by (namespace, pod, workload, clock) (kts_degradation_factor{${NS}, window="5m"})`, '{{pod}} {{workload}} {{clock}}')),
    )
    .add(
      new TimeSeries()
        .title('p99 against its baseline (wall clock)')
        .datasource(DATASOURCE)
        .unit('s')
        .withTarget(query(`kts_latency_seconds{${NS}, clock="wall", window="5m", percentile="99"}`, '{{pod}} {{workload}} p99'))
        .withTarget(query(`kts_baseline_latency_seconds{${NS}, clock="wall", percentile="99"}`, '{{pod}} {{workload}} baseline p99', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Jitter p99/p50 (wall clock, 5m)')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(2)
        .withTarget(query(`kts_jitter_ratio{${NS}, clock="wall", window="5m"}`, '{{pod}} {{workload}}')),
    )
    .add(
      new TimeSeries()
        .title('Queueing delay p99 (wall - device, 5m) against its baseline')
        .datasource(DATASOURCE)
        .unit('s')
        .withTarget(query(`kts_queueing_delay_seconds{${NS}, window="5m", percentile="99"}`, '{{pod}} {{workload}}'))
        .withTarget(query(`kts_baseline_latency_seconds{${NS}, clock="queue", percentile="99"}`, '{{pod}} {{workload}} baseline', 'B')),
    )
    .add(
      new TimeSeries()
        .title('Share of samples above the baseline p99 (5m)')
        .description('About 1 % when nothing is wrong, on each clock (queue: above the floored queueing p99).')
        .datasource(DATASOURCE)
        .unit('percentunit')
        .withTarget(query(`kts_tail_exceedance_ratio{${NS}, window="5m"}`, '{{pod}} {{workload}} {{clock}}')),
    )
    .add(
      new TimeSeries()
        .title('Co-tenants: pods sharing each pod\'s GPU (dcgm-exporter)')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(0)
        .withTarget(query(`kts_gpu_pods_sharing{${NS}}`, '{{pod}}')),
    )
    .add(
      new TimeSeries()
        .title('SM activity of each pod\'s GPU (dcgm-exporter)')
        .datasource(DATASOURCE)
        .unit('percentunit')
        .withTarget(query(`kts_gpu_sm_active_ratio{${NS}}`, '{{pod}}')),
    )
    .add(dfPanel('Worst DF by tier (5m)').withTarget(query('tier_clock:kts_degradation_factor:max5m', '{{tier}} {{clock}}')), 24)
    // MIG: one series per slice (dcgm-exporter's GPU instance labels, through kts_gpu_info).
    .add(dfPanel('MIG slices: worst DF per slice (5m)').withTarget(query(perSlice('kts_degradation_factor{window="5m"', 'clock'), SLICE_LEGEND_CLOCK)), 8)
    .add(
      new TimeSeries()
        .title('MIG slices: SM activity per slice')
        .datasource(DATASOURCE)
        .unit('percentunit')
        .withTarget(query(perSlice('kts_gpu_sm_active_ratio{'), SLICE_LEGEND)),
      8,
    )
    .add(
      new TimeSeries()
        .title('MIG slices: pods per slice')
        .description('Above 1: the slice itself is time-sliced.')
        .datasource(DATASOURCE)
        .unit('none')
        .decimals(0)
        .withTarget(query(perSlice('kts_gpu_pods_sharing{'), SLICE_LEGEND)),
      8,
    );
  return d;
}

const SLICE = 'uuid, mig_profile, mig_instance';
const SLICE_LEGEND = '{{mig_profile}} #{{mig_instance}} {{uuid}}';
const SLICE_LEGEND_CLOCK = `${SLICE_LEGEND} {{clock}}`;

/** `metric` (an open selector, e.g. `kts_x{a="b"`) per MIG slice: max over the pods on each slice. */
function perSlice(selector: string, extra?: string): string {
  const open = selector.endsWith('{') ? `${selector}${NS}}` : `${selector}, ${NS}}`;
  return (
    `max by (${SLICE}${extra ? `, ${extra}` : ''}) (${open} * on (namespace, pod) group_left (${SLICE}) ` +
    `max by (namespace, pod, ${SLICE}) (kts_gpu_info{mig_instance!=""}))`
  );
}
