/**
 * Run-to-completion pods on API servers without native sidecars (< 1.29): a plain sidecar
 * container would keep a Job's pod running forever. With `--exit-with <container>` the sidecar
 * reads its own pod every few seconds and reports once that container has terminated for good:
 * under restartPolicy Never any termination, under OnFailure a successful one (a failed one is
 * restarted by the kubelet). Read errors are retried; they never stop the sidecar.
 */
import { errorMessage, type PodRef } from './errors.js';
import type { Pod } from './sidecar-api.js';

/** What --exit-with needs of the API (SidecarApi has it). */
export interface PodReader {
  readNamespacedPod(r: PodRef): Promise<Pod>;
}

/** Whether `container` of `pod` has terminated and will not be restarted. */
export function terminatedForGood(pod: Pod, container: string): { done: boolean; exitCode?: number } {
  const st = pod.status?.containerStatuses?.find((c) => c.name === container);
  const t = st?.state?.terminated;
  if (t === undefined) return { done: false };
  const policy = pod.spec?.restartPolicy ?? 'Always';
  const done = policy === 'Never' || (policy === 'OnFailure' && t.exitCode === 0);
  return { done, exitCode: t.exitCode };
}

export function watchCompletion(
  core: PodReader,
  pod: PodRef,
  container: string,
  onDone: (exitCode: number | undefined) => void,
  onError: (message: string) => void,
  intervalMs = 5000,
): () => void {
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  const tick = async (): Promise<void> => {
    try {
      const p = await core.readNamespacedPod({ namespace: pod.namespace, name: pod.name });
      const r = terminatedForGood(p, container);
      if (r.done && !stopped) {
        stopped = true;
        onDone(r.exitCode);
        return;
      }
    } catch (err) {
      onError(errorMessage(err));
    }
    if (!stopped) timer = setTimeout(() => void tick(), intervalMs);
  };
  timer = setTimeout(() => void tick(), intervalMs);
  return () => {
    stopped = true;
    if (timer !== undefined) clearTimeout(timer);
  };
}
