/**
 * Pod signalling: tail contention made visible in `kubectl describe pod`. When a workload's
 * 1-minute DF reaches its critical threshold on either clock, the sidecar posts a Warning
 * Event on its pod (at most one per workload per `minEventIntervalMs`) and sets the pod
 * condition `kts.dev/TailContention` to True through the status subresource; once every
 * workload is back below its warning threshold the condition goes False and a Normal Event
 * says so. Failures are counted and logged, never fatal.
 */
import { errorMessage, type PodRef } from './errors.js';
import { createPodEvent, type EventApi } from './events.js';

export const CONDITION_TYPE = 'kts.dev/TailContention';

export interface WorkloadReading {
  workload: string;
  /** DF (1m) per clock; NaN where unknown. */
  /** DF p99 (1m) per clock. The device and wall DFs raise and clear the signal; the queueing DF is told alongside. */
  df: { device: number; wall: number; queue?: number };
  p99Ms: { device: number; wall: number; queue?: number };
  thresholds: { warning: number; critical: number };
}

/** What pod signalling needs of the API (SidecarApi has it): Events, and a strategic merge patch of pods/status. */
export interface SignalApi extends EventApi {
  patchNamespacedPodStatus(r: PodRef & { body: object }): Promise<unknown>;
}

export interface SignalCounts {
  events: { success: number; failure: number };
  conditions: { success: number; failure: number };
}

/** Which workloads are contended, with hysteresis (raise at critical, clear below warning). Pure. */
export class ContentionState {
  readonly contended = new Map<string, string>();

  /** Returns the workloads that just became contended and whether any cleared. */
  update(readings: readonly WorkloadReading[]): { raised: WorkloadReading[]; cleared: string[] } {
    const raised: WorkloadReading[] = [];
    const cleared: string[] = [];
    for (const r of readings) {
      const worst = Math.max(Number.isFinite(r.df.wall) ? r.df.wall : 0, Number.isFinite(r.df.device) ? r.df.device : 0);
      const was = this.contended.has(r.workload);
      if (!was && worst >= r.thresholds.critical) {
        this.contended.set(r.workload, describe(r));
        raised.push(r);
      } else if (was && worst < r.thresholds.warning) {
        this.contended.delete(r.workload);
        cleared.push(r.workload);
      } else if (was) {
        this.contended.set(r.workload, describe(r));
      }
    }
    return { raised, cleared };
  }
}

function describe(r: WorkloadReading): string {
  const clock = (r.df.wall >= r.df.device || !Number.isFinite(r.df.device) ? 'wall' : 'device') as 'wall' | 'device';
  return (
    `${r.workload}: ${clock}-clock p99 ${r.p99Ms[clock].toFixed(3)} ms is ${r.df[clock].toFixed(2)}x its solo baseline ` +
    `(critical ${r.thresholds.critical}; device DF ${fmt(r.df.device)}, wall DF ${fmt(r.df.wall)}, ` +
    `queueing DF ${fmt(r.df.queue ?? Number.NaN)}, 1m window)`
  );
}

const fmt = (v: number): string => (Number.isFinite(v) ? v.toFixed(2) : 'n/a');

export class PodSignaller {
  readonly counts: SignalCounts = { events: { success: 0, failure: 0 }, conditions: { success: 0, failure: 0 } };
  private readonly state = new ContentionState();
  private readonly lastEventMs = new Map<string, number>();
  private conditionTrue = false;
  private busy: Promise<void> = Promise.resolve();

  constructor(
    private readonly api: SignalApi,
    private readonly pod: PodRef & { uid?: string },
    private readonly onError: (what: string, message: string) => void,
    private readonly minEventIntervalMs = 300_000,
  ) {}

  /** Feeds the current readings; resolves when the resulting API calls are done. */
  update(readings: readonly WorkloadReading[], nowMs = Date.now()): Promise<void> {
    this.busy = this.busy.then(() => this.apply(readings, nowMs));
    return this.busy;
  }

  private async apply(readings: readonly WorkloadReading[], nowMs: number): Promise<void> {
    const { raised, cleared } = this.state.update(readings);
    for (const r of raised) {
      const last = this.lastEventMs.get(r.workload);
      if (last !== undefined && nowMs - last < this.minEventIntervalMs) continue;
      this.lastEventMs.set(r.workload, nowMs);
      await this.event('Warning', 'TailContention', this.state.contended.get(r.workload) ?? r.workload);
    }
    const contended = this.state.contended.size > 0;
    if (contended !== this.conditionTrue || (contended && raised.length > 0)) {
      const message = contended
        ? [...this.state.contended.values()].join('; ')
        : `tail latency back below the warning threshold (${cleared.join(', ')})`;
      if (await this.condition(contended, message)) this.conditionTrue = contended;
      if (!contended && cleared.length > 0) await this.event('Normal', 'TailContentionCleared', message);
    }
  }

  private async event(type: 'Warning' | 'Normal', reason: string, message: string): Promise<void> {
    try {
      await createPodEvent(this.api, this.pod, {
        type,
        reason,
        message,
        component: 'kts-sidecar',
        reportingComponent: 'kts.dev/sidecar',
        reportingInstance: this.pod.name,
      });
      this.counts.events.success++;
    } catch (err) {
      this.counts.events.failure++;
      this.onError('event', errorMessage(err));
    }
  }

  private async condition(status: boolean, message: string): Promise<boolean> {
    try {
      await this.api.patchNamespacedPodStatus({
        name: this.pod.name,
        namespace: this.pod.namespace,
        body: {
          status: {
            conditions: [
              {
                type: CONDITION_TYPE,
                status: status ? 'True' : 'False',
                reason: status ? 'TailContention' : 'TailLatencyRecovered',
                message,
                lastTransitionTime: new Date(),
              },
            ],
          },
        },
      });
      this.counts.conditions.success++;
      return true;
    } catch (err) {
      this.counts.conditions.failure++;
      this.onError('condition', errorMessage(err));
      return false;
    }
  }
}
