/**
 * The guard's Kubernetes adapter: gold and elastic pods across namespaces, node taints
 * (JSON Patch guarded by the node's resourceVersion, so a concurrent edit is never
 * overwritten), evictions through the Eviction API (PodDisruptionBudgets apply) and Events.
 */
import { type CoreV1Api, PatchStrategy, setHeaderOptions, type V1Pod, type V1Taint } from '@kubernetes/client-node';
import { apiErrorCode } from '../k8s/client.js';
import { createPodEvent } from '../k8s/events.js';
import { GOLD_TAINT, LABEL_TIER } from '../k8s/inject.js';
import type { ElasticPod, NodeState, PodKey } from './plan.js';

export interface GoldPod extends PodKey {
  node: string;
  /** The sidecar's /api/status. */
  statusUrl: string;
}

export interface NodeInfo extends NodeState {
  resourceVersion: string;
  taints: V1Taint[];
}

export type EvictResult = 'ok' | 'refused' | 'gone';

const isGoldTaint = (t: V1Taint): boolean => t.key === GOLD_TAINT.key && t.effect === GOLD_TAINT.effect;

export class GuardKube {
  constructor(
    private readonly core: CoreV1Api,
    private readonly metricsPort = { name: 'kts-metrics', fallback: 9464 },
  ) {}

  private async running(tier: string): Promise<V1Pod[]> {
    const list = await this.core.listPodForAllNamespaces({ labelSelector: `${LABEL_TIER}=${tier}`, fieldSelector: 'status.phase=Running' });
    return list.items.filter((p) => p.spec?.nodeName !== undefined && p.metadata?.deletionTimestamp === undefined);
  }

  async goldPods(): Promise<GoldPod[]> {
    return (await this.running('gold')).flatMap((p) => {
      const ip = p.status?.podIP;
      if (ip === undefined || ip === '') return [];
      const ports = [...(p.spec?.initContainers ?? []), ...(p.spec?.containers ?? [])].flatMap((c) => c.ports ?? []);
      const port = ports.find((x) => x.name === this.metricsPort.name)?.containerPort ?? this.metricsPort.fallback;
      const host = ip.includes(':') ? `[${ip}]` : ip;
      return [
        {
          namespace: p.metadata?.namespace ?? '',
          name: p.metadata?.name ?? '',
          node: p.spec?.nodeName as string,
          statusUrl: `http://${host}:${port}/api/status`,
        },
      ];
    });
  }

  async elasticPods(): Promise<ElasticPod[]> {
    return (await this.running('elastic')).map((p) => ({
      namespace: p.metadata?.namespace ?? '',
      name: p.metadata?.name ?? '',
      node: p.spec?.nodeName as string,
      createdMs: p.metadata?.creationTimestamp === undefined ? 0 : new Date(p.metadata.creationTimestamp).getTime(),
    }));
  }

  async nodes(): Promise<NodeInfo[]> {
    const list = await this.core.listNode({});
    return list.items.map((n) => {
      const taints = n.spec?.taints ?? [];
      return {
        name: n.metadata?.name ?? '',
        resourceVersion: n.metadata?.resourceVersion ?? '',
        taints,
        tainted: taints.some(isGoldTaint),
      };
    });
  }

  /** Adds or removes the gold-active taint; 'conflict' when the node changed since it was read. */
  async setTaint(node: NodeInfo, on: boolean): Promise<'ok' | 'conflict'> {
    const others = node.taints.filter((t) => !isGoldTaint(t));
    const taints = on ? [...others, { key: GOLD_TAINT.key, value: GOLD_TAINT.value, effect: GOLD_TAINT.effect }] : others;
    const ops = [
      { op: 'test', path: '/metadata/resourceVersion', value: node.resourceVersion },
      { op: node.taints.length === 0 && on ? 'add' : 'replace', path: '/spec/taints', value: taints },
    ];
    try {
      await this.core.patchNode({ name: node.name, body: ops }, setHeaderOptions('Content-Type', PatchStrategy.JsonPatch));
      return 'ok';
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 409 || code === 422) return 'conflict';
      throw err;
    }
  }

  /** Evicts through the Eviction API: a PodDisruptionBudget that forbids it answers 429 ('refused'). */
  async evict(pod: PodKey): Promise<EvictResult> {
    try {
      await this.core.createNamespacedPodEviction({
        name: pod.name,
        namespace: pod.namespace,
        body: { apiVersion: 'policy/v1', kind: 'Eviction', metadata: { name: pod.name, namespace: pod.namespace } },
      });
      return 'ok';
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 429) return 'refused';
      if (code === 404) return 'gone';
      throw err;
    }
  }

  async event(pod: PodKey, type: 'Normal' | 'Warning', reason: string, message: string): Promise<void> {
    await createPodEvent(this.core, pod, {
      type,
      reason,
      message,
      component: 'kts-guard',
      reportingComponent: 'kts.dev/guard',
      reportingInstance: 'kts-guard',
    });
  }
}
