/**
 * Which extended resources are NVIDIA GPUs, as NVIDIA's device plugin and GPU operator
 * advertise them (facts from the device plugin's api/config/v1 and its README):
 * - `nvidia.com/gpu`: a whole GPU (and with the `single` MIG strategy, a MIG slice);
 * - `nvidia.com/mig-<profile>`: a MIG slice with the `mixed` strategy, e.g. `mig-1g.10gb`,
 *   `mig-3g.40gb`, `mig-1g.10gb+me`, `mig-1c.3g.40gb`;
 * - `<name>.shared`: the same resource replicated by time-slicing or MPS with
 *   `renameByDefault: true`;
 * - any other name under `nvidia.com/` the device plugin's `resources.gpus[].name` /
 *   `resources.mig[].name` or a sharing `rename` gives a GPU (e.g. `nvidia.com/a100`);
 * - the KubeVirt GPU device plugin's passthrough `nvidia.com/pgpu` and vGPU type names.
 * Not GPUs: HAMi's companion resources that size a share of one (`nvidia.com/gpumem`,
 * `gpumem-percentage`, `gpucores`, `priority`), which come beside an `nvidia.com/gpu` request.
 */
import type { V1Container } from '@kubernetes/client-node';

export const GPU_PREFIX = 'nvidia.com/';
/** nvidia.com/ resources that are not a GPU by themselves. */
export const NOT_A_GPU: ReadonlySet<string> = new Set([
  'nvidia.com/gpumem',
  'nvidia.com/gpumem-percentage',
  'nvidia.com/gpucores',
  'nvidia.com/priority',
]);

export function isGpuResource(name: string): boolean {
  return name.startsWith(GPU_PREFIX) && name.length > GPU_PREFIX.length && !NOT_A_GPU.has(name);
}

/** How the GPU is had: whole, a MIG slice, or replicated (time-slicing or MPS, renamed). */
export function gpuShareKind(name: string): 'gpu' | 'mig' | 'shared' {
  if (name.endsWith('.shared')) return 'shared';
  return name.startsWith(`${GPU_PREFIX}mig-`) ? 'mig' : 'gpu';
}

/** The container's GPU resource names with a non-zero quantity (limits or requests). */
export function gpuResources(c: V1Container): string[] {
  const r = c.resources;
  const names = new Set<string>();
  for (const m of [r?.limits, r?.requests])
    for (const [k, v] of Object.entries(m ?? {})) if (isGpuResource(k) && String(v) !== '0') names.add(k);
  return [...names];
}

export function requestsGpu(c: V1Container): boolean {
  return gpuResources(c).length > 0;
}
