/**
 * What the sidecar and the cluster-wide components share about the Kubernetes API without
 * loading a client: the pod reference, and how a failed call reads (numeric `code`, a
 * `body.message`), as both @kubernetes/client-node's ApiException and the sidecar's own
 * REST client (src/k8s/rest.ts) shape it.
 */

export interface PodRef {
  namespace: string;
  name: string;
}

/** Status code of a failed API call (ApiException / KubeApiError `code`), if any. */
export function apiErrorCode(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

export function errorMessage(err: unknown): string {
  const code = apiErrorCode(err);
  const body = (err as { body?: unknown } | null)?.body;
  const message = typeof body === 'object' && body !== null ? (body as { message?: unknown }).message : undefined;
  if (code !== undefined) return `HTTP ${code}${typeof message === 'string' ? `: ${message}` : ''}`;
  return err instanceof Error ? err.message : String(err);
}
