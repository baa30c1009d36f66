/**
 * `kts.dev/source: prom`: the sidecar reads the workload's own Prometheus histogram from the
 * same pod (docs/prom-source.md). Where: `kts.dev/metrics-port` (else the watched container's
 * port named `metrics`, else its only port) and `kts.dev/metrics-path` (default /metrics);
 * what: `kts.dev/preset` (a server's histogram) or `kts.dev/prom-histogram` (any, by name),
 * optionally `kts.dev/prom-labels`. Pure: a pod spec and its annotations in, the sidecar's
 * source and environment out, or why not.
 */
import type { V1Container, V1EnvVar } from '@kubernetes/client-node';
import { PRESET_NAMES } from '../sources/prom-presets.js';

export const PROM_ANNOTATION = {
  port: 'kts.dev/metrics-port',
  path: 'kts.dev/metrics-path',
  preset: 'kts.dev/preset',
  histogram: 'kts.dev/prom-histogram',
  labels: 'kts.dev/prom-labels',
} as const;

export function promSource(
  target: V1Container,
  annotations: Record<string, string>,
): { source: string; env: V1EnvVar[] } | { error: string } {
  const rawPort = annotations[PROM_ANNOTATION.port];
  const ports = target.ports ?? [];
  let port: number | undefined;
  if (rawPort !== undefined) {
    port = /^\d+$/.test(rawPort) ? Number(rawPort) : ports.find((p) => p.name === rawPort)?.containerPort;
    if (port === undefined || port < 1 || port > 65535)
      return { error: `${PROM_ANNOTATION.port}: '${rawPort}' is neither a port number nor a port name of ${target.name}` };
  } else {
    port = (ports.find((p) => p.name === 'metrics') ?? (ports.length === 1 ? ports[0] : undefined))?.containerPort;
    if (port === undefined)
      return { error: `kts.dev/source prom needs ${PROM_ANNOTATION.port} (${target.name} has no single or 'metrics' port)` };
  }
  const path = annotations[PROM_ANNOTATION.path] ?? '/metrics';
  if (!/^\/[!-~]*$/.test(path)) return { error: `${PROM_ANNOTATION.path}: '${path}' is not an absolute URL path` };
  const preset = annotations[PROM_ANNOTATION.preset];
  const histogram = annotations[PROM_ANNOTATION.histogram];
  if (preset === undefined && histogram === undefined)
    return { error: `kts.dev/source prom needs ${PROM_ANNOTATION.preset} (${PRESET_NAMES.join(', ')}) or ${PROM_ANNOTATION.histogram}` };
  if (preset !== undefined && !(PRESET_NAMES as readonly string[]).includes(preset))
    return { error: `${PROM_ANNOTATION.preset}: '${preset}' is not one of ${PRESET_NAMES.join(', ')}` };
  const labels = annotations[PROM_ANNOTATION.labels];
  const env: V1EnvVar[] = [
    ...(preset !== undefined ? [{ name: 'KTS_PRESET', value: preset }] : []),
    ...(histogram !== undefined ? [{ name: 'KTS_PROM_HISTOGRAM', value: histogram }] : []),
    ...(labels !== undefined ? [{ name: 'KTS_PROM_LABELS', value: labels }] : []),
  ];
  return { source: `prom:http://127.0.0.1:${port}${path}`, env };
}
