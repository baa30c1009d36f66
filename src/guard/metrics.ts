/** The guard's own /metrics: its catalog entries (group "guard"), read from the Guard at scrape time. */
import { Counter, collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import { METRICS, type MetricSpec } from '../metrics/catalog.js';
import { VERSION } from '../version.js';
import type { Guard } from './controller.js';

export function guardRegistry(guard: Guard, opts: { defaultMetrics?: boolean } = {}): Registry {
  const registry = new Registry();
  const gauge = (spec: MetricSpec, collect: (g: Gauge) => void) =>
    new Gauge({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      collect() {
        collect(this);
      },
    });
  const counter = (spec: MetricSpec, values: () => [Record<string, string>, number][]) =>
    new Counter({
      name: spec.name,
      help: spec.help,
      labelNames: [...spec.labels],
      registers: [registry],
      collect() {
        this.reset();
        for (const [labels, v] of values()) this.inc(labels, v);
      },
    });
  gauge(METRICS.guardLeader, (g) => g.set(guard.leader ? 1 : 0));
  counter(METRICS.guardActions, () =>
    [...guard.actions].map(([k, v]) => {
      const [action = '', result = ''] = k.split('|');
      return [{ action, result }, v];
    }),
  );
  gauge(METRICS.guardGoldPods, (g) => {
    for (const [state, v] of Object.entries(guard.gold)) g.set({ state }, v);
  });
  gauge(METRICS.guardTaintedNodes, (g) => g.set(guard.taintedNodes));
  counter(METRICS.guardReconciles, () => [
    [{ result: 'ok' }, guard.reconciles.ok],
    [{ result: 'error' }, guard.reconciles.error],
  ]);
  gauge(METRICS.buildInfo, (g) => g.set({ version: VERSION }, 1));
  if (opts.defaultMetrics !== false) collectDefaultMetrics({ register: registry });
  return registry;
}
