/**
 * What `kts guard` should do, as pure functions of what it observed: which nodes carry the
 * gold-active taint, and which elastic pod (if any) to evict for a gold workload whose tail
 * stays above critical. No I/O here; the controller observes and acts.
 */

export interface PodKey {
  namespace: string;
  name: string;
}

export const keyOf = (p: PodKey): string => `${p.namespace}/${p.name}`;

/** A gold pod as the guard saw it on this pass. */
export interface GoldObservation extends PodKey {
  node: string;
  /** Samples arriving within the active window; undefined: its sidecar could not be read. */
  active: boolean | undefined;
  /** DF p99 above its critical threshold on both the 1m and 5m windows (the chosen clock). */
  critical: boolean;
  /** `namespace/pod` of the pods dcgm-exporter maps to its GPU (empty when unknown). */
  gpuPods: string[];
  /** What the sidecar said, for Events and logs. */
  detail: string;
}

export interface NodeState {
  name: string;
  tainted: boolean;
}

export interface ElasticPod extends PodKey {
  node: string;
  createdMs: number;
}

export type TaintAction = { kind: 'taint' | 'untaint'; node: string; reason: string };

/**
 * A node is tainted while any gold pod on it is active, and untainted only when every gold pod
 * on it is known to be idle: a sidecar that cannot be read never lifts the protection.
 */
export function planTaints(nodes: readonly NodeState[], gold: readonly GoldObservation[]): TaintAction[] {
  const byNode = new Map<string, GoldObservation[]>();
  for (const g of gold) byNode.set(g.node, [...(byNode.get(g.node) ?? []), g]);
  const actions: TaintAction[] = [];
  for (const n of nodes) {
    const here = byNode.get(n.name) ?? [];
    const active = here.filter((g) => g.active === true);
    const unknown = here.some((g) => g.active === undefined);
    if (!n.tainted && active.length > 0)
      actions.push({ kind: 'taint', node: n.name, reason: `gold workload active: ${active.map(keyOf).join(', ')}` });
    if (n.tainted && active.length === 0 && !unknown)
      actions.push({ kind: 'untaint', node: n.name, reason: here.length === 0 ? 'no gold pod on the node' : 'gold workloads idle' });
  }
  return actions;
}

/**
 * The elastic pod to evict for a gold pod in sustained critical contention: among elastic pods
 * on its node, those dcgm-exporter puts on its GPU when it says so, the newest first.
 */
export function pickVictim(gold: GoldObservation, elastic: readonly ElasticPod[]): ElasticPod | undefined {
  const onNode = elastic.filter((e) => e.node === gold.node);
  const onGpu = gold.gpuPods.length > 0 ? onNode.filter((e) => gold.gpuPods.includes(keyOf(e))) : onNode;
  return [...onGpu].sort((a, b) => b.createdMs - a.createdMs || keyOf(a).localeCompare(keyOf(b)))[0];
}
