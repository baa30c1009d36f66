/** A core/v1 Event about a pod: how the sidecar and kts guard say what they did and why. */
import type { CoreV1Event } from '@kubernetes/client-node';
import type { PodRef } from './errors.js';

/** Both @kubernetes/client-node's CoreV1Api (kts guard) and the sidecar's SidecarApi have this. */
export interface EventApi {
  createNamespacedEvent(r: { namespace: string; body: CoreV1Event }): Promise<unknown>;
}

export interface PodEvent {
  type: 'Normal' | 'Warning';
  reason: string;
  message: string;
  /** `source.component`, e.g. kts-sidecar. */
  component: string;
  /** `reportingComponent`, e.g. kts.dev/sidecar. */
  reportingComponent: string;
  reportingInstance: string;
}

export async function createPodEvent(api: EventApi, pod: PodRef & { uid?: string }, e: PodEvent): Promise<void> {
  const now = new Date();
  await api.createNamespacedEvent({
    namespace: pod.namespace,
    body: {
      metadata: { generateName: `${pod.name}.`, namespace: pod.namespace },
      involvedObject: { apiVersion: 'v1', kind: 'Pod', name: pod.name, namespace: pod.namespace, ...(pod.uid ? { uid: pod.uid } : {}) },
      type: e.type,
      reason: e.reason,
      message: e.message,
      source: { component: e.component },
      reportingComponent: e.reportingComponent,
      reportingInstance: e.reportingInstance,
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
    },
  });
}
