/**
 * admission.k8s.io/v1 AdmissionReview in, AdmissionReview out: the webhook's decision as a
 * pure function. The patch is a JSONPatch computed by fast-json-patch from the pod before and
 * after injection. Never refuses a pod: a pod it cannot or need not inject is allowed as is.
 */
import jsonpatch from 'fast-json-patch';
import { type InjectOptions, injectPod, LABEL_INJECT, type PodLike } from './inject.js';

export interface AdmissionRequest {
  uid: string;
  kind?: { group?: string; version?: string; kind?: string };
  operation?: string;
  namespace?: string;
  dryRun?: boolean;
  object?: PodLike;
}

export interface AdmissionReview {
  apiVersion: string;
  kind: 'AdmissionReview';
  request?: AdmissionRequest;
  response?: {
    uid: string;
    allowed: boolean;
    patchType?: 'JSONPatch';
    patch?: string;
    warnings?: string[];
    status?: { message: string };
  };
}

export interface ReviewOutcome {
  review: AdmissionReview;
  injected: boolean;
  reason: string;
}

/** `namespaceOptIn`: the request came through the webhook that selects opted-in namespaces. */
export function review(input: unknown, opts: InjectOptions & { namespaceOptIn?: boolean }): ReviewOutcome {
  const req = (input as AdmissionReview | null)?.request;
  if (req === undefined || typeof req.uid !== 'string') throw new Error('not an admission.k8s.io/v1 AdmissionReview with a request');
  const answer = (reason: string, patch?: unknown[], warnings: string[] = []): ReviewOutcome => ({
    review: {
      apiVersion: 'admission.k8s.io/v1',
      kind: 'AdmissionReview',
      response: {
        uid: req.uid,
        allowed: true,
        ...(warnings.length > 0 ? { warnings } : {}),
        ...(patch !== undefined ? { patchType: 'JSONPatch' as const, patch: Buffer.from(JSON.stringify(patch)).toString('base64') } : {}),
      },
    },
    injected: patch !== undefined,
    reason,
  });
  if (req.kind?.kind !== undefined && req.kind.kind !== 'Pod') return answer(`not a Pod (${req.kind.kind})`);
  if (req.operation !== undefined && req.operation !== 'CREATE') return answer(`operation ${req.operation}`);
  const pod = req.object;
  if (pod === undefined) return answer('no object');
  const optedIn = opts.namespaceOptIn === true || pod.metadata?.labels?.[LABEL_INJECT] === 'true';
  if (!optedIn) return answer(`not opted in (label ${LABEL_INJECT}: "true" on the pod or its namespace)`);
  const r = injectPod(pod, opts);
  if (!r.injected) return answer(r.reason);
  // Dry-run requests get the same patch: the mutation has no side effects (sideEffects: None).
  return answer(
    `injected (${r.source}:${r.container}, ${r.native ? 'native sidecar' : 'container'})`,
    jsonpatch.compare(pod as object, r.pod as object),
    r.warnings,
  );
}
