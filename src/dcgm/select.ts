/**
 * Which GPU is this pod's: by dcgm-exporter's pod mapping (POD_NAMESPACE/POD_NAME), else by
 * GPU UUID (`--gpu-uuid`, or the workload's NVIDIA_VISIBLE_DEVICES handed over by the
 * injector; a MIG UUID matches nothing in dcgm's UUID label, so the pod mapping is the way
 * for MIG), else by GPU index.
 */
import type { GpuReading } from './parse.js';

export interface GpuSelector {
  pod?: { namespace: string; name: string };
  uuid?: string;
  index?: string;
}

export type Selected = { gpu: GpuReading; by: 'pod' | 'uuid' | 'index' } | { gpu: undefined; reason: string };

export function selectGpu(gpus: ReadonlyMap<string, GpuReading>, sel: GpuSelector): Selected {
  if (sel.pod !== undefined) {
    const me = `${sel.pod.namespace}/${sel.pod.name}`;
    for (const g of gpus.values()) if (g.pods.has(me)) return { gpu: g, by: 'pod' };
  }
  if (sel.uuid !== undefined) {
    const wanted = sel.uuid.split(',').map((u) => u.trim());
    for (const g of gpus.values()) if (g.migInstance === '' && wanted.includes(g.uuid)) return { gpu: g, by: 'uuid' };
  }
  if (sel.index !== undefined) {
    for (const g of gpus.values()) if (g.migInstance === '' && g.index === sel.index) return { gpu: g, by: 'index' };
  }
  const tried = [
    sel.pod === undefined ? undefined : `pod ${sel.pod.namespace}/${sel.pod.name}`,
    sel.uuid === undefined ? undefined : `UUID ${sel.uuid}`,
    sel.index === undefined ? undefined : `index ${sel.index}`,
  ].filter((x) => x !== undefined);
  return {
    gpu: undefined,
    reason: tried.length === 0 ? 'no way to identify the GPU (no pod, UUID or index)' : `no GPU matches ${tried.join(', ')}`,
  };
}

/** NVIDIA_VISIBLE_DEVICES as a UUID list when it names GPUs by UUID ("all", "none" and indices are not). */
export function uuidFromVisibleDevices(v: string | undefined): string | undefined {
  if (v === undefined) return undefined;
  const uuids = v
    .split(',')
    .map((x) => x.trim())
    .filter((x) => x.startsWith('GPU-'));
  return uuids.length > 0 ? uuids.join(',') : undefined;
}
