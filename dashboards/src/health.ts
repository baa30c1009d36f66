/** (c) Sidecar health: scrapes, sources, input quality, bounds and resources. */
import { DashboardBuilder } from '@grafana/grafana-foundation-sdk/dashboard';
import { PanelBuilder as TimeSeries } from '@grafana/grafana-foundation-sdk/timeseries';
import { DATASOURCE, datasourceVariable, Grid, labelVariable, query } from './common.js';

const SEL = 'namespace=~"$namespace", pod=~"$pod"';

export function healthDashboard(): DashboardBuilder {
  const d = new DashboardBuilder('kts / Sidecar health')
    .uid('kts-health')
    .tags(['kts'])
    .description('Is every sidecar scraped, attached to its source, reading well-formed lines, within its bounds?')
    .refresh('30s')
    .time({ from: 'now-3h', to: 'now' })
    .withVariable(datasourceVariable())
    .withVariable(labelVariable('namespace', 'Namespace', 'kts_build_info', ''))
    .withVariable(labelVariable('pod', 'Pod', 'kts_build_info', 'namespace=~"$namespace"'));
  const ts = (title: string, unit: string, expr: string, legend: string) =>
    new TimeSeries().title(title).datasource(DATASOURCE).unit(unit).withTarget(query(expr, legend));
  new Grid(d)
    .add(ts('Scrape up', 'none', `up{job=~".*kts.*", ${SEL}}`, '{{pod}}'))
    .add(ts('Source attached', 'none', `kts_source_up{${SEL}}`, '{{pod}} {{source}}'))
    .add(ts('Lines read per second', 'ops', `sum by (pod, result) (rate(kts_lines_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{result}}'))
    .add(
      ts('Malformed lines by reason', 'ops', `sum by (pod, reason) (rate(kts_malformed_lines_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{reason}}'),
    )
    .add(
      ts('Dropped samples (workload cap, duplicates)', 'ops', `sum by (pod, reason) (rate(kts_dropped_samples_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{reason}}'),
    )
    .add(ts('Source restarts', 'none', `sum by (pod, reason) (increase(kts_source_restarts_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{reason}}'))
    .add(ts('Scrape duration', 's', `scrape_duration_seconds{job=~".*kts.*", ${SEL}}`, '{{pod}}'))
    // What one sidecar costs, beside what it reads (docs/sizing.md).
    .add(ts('CPU (share of a core)', 'percentunit', `rate(process_cpu_seconds_total{job=~".*kts.*", ${SEL}}[$__rate_interval])`, '{{pod}}'))
    .add(ts('Resident memory', 'bytes', `process_resident_memory_bytes{job=~".*kts.*", ${SEL}}`, '{{pod}}'))
    .add(
      ts(
        'CPU per line read',
        's',
        `rate(process_cpu_seconds_total{job=~".*kts.*", ${SEL}}[$__rate_interval]) / on (namespace, pod) sum by (namespace, pod) (rate(kts_lines_total{${SEL}}[$__rate_interval]))`,
        '{{pod}}',
      ),
    )
    .add(ts('Lines read per second (all results)', 'ops', `sum by (pod) (rate(kts_lines_total{${SEL}}[$__rate_interval]))`, '{{pod}}'))
    .add(ts('Workloads tracked', 'none', `kts_workloads{${SEL}}`, '{{pod}}'))
    .add(ts('Baseline loaded', 'none', `kts_baseline_loaded{${SEL}}`, '{{pod}} {{workload}}'))
    .add(ts('Baseline reloads', 'none', `sum by (pod, result) (increase(kts_baseline_reloads_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{result}}'))
    .add(ts('dcgm-exporter reachable', 'none', `kts_dcgm_up{${SEL}}`, '{{pod}}'))
    .add(
      ts('dcgm-exporter scrape errors', 'ops', `sum by (pod, reason) (rate(kts_dcgm_scrape_errors_total{${SEL}}[$__rate_interval]))`, '{{pod}} {{reason}}'),
    )
    .add(ts('dcgm-exporter scrape duration', 's', `kts_dcgm_scrape_duration_seconds{${SEL}}`, '{{pod}}'));
  return d;
}
