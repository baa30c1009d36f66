/**
 * Leader election on a coordination.k8s.io/v1 Lease, so that two `kts guard` replicas never
 * act at once: the holder renews every tick; another replica takes over only once the Lease
 * has gone unrenewed for its duration. Every write carries the resourceVersion it read, so of
 * two replicas racing for an expired Lease exactly one wins (the other gets a conflict).
 */
import { type CoordinationV1Api, type V1Lease, V1MicroTime } from '@kubernetes/client-node';
import { apiErrorCode, errorMessage } from '../k8s/client.js';

export interface LeaseOptions {
  namespace: string;
  name: string;
  identity: string;
  leaseDurationSeconds: number;
  now?: () => number;
  onChange?: (leader: boolean, why: string) => void;
}

export class LeaseElector {
  leader = false;
  private lastRenewMs = 0;
  private readonly now: () => number;

  constructor(
    private readonly api: CoordinationV1Api,
    private readonly opts: LeaseOptions,
  ) {
    this.now = opts.now ?? Date.now;
  }

  /** One round: create, renew or take over the Lease if it is due; returns whether we lead. */
  async tick(): Promise<boolean> {
    const { namespace, name, identity } = this.opts;
    const now = this.now();
    try {
      let lease: V1Lease;
      try {
        lease = await this.api.readNamespacedLease({ name, namespace });
      } catch (err) {
        if (apiErrorCode(err) !== 404) throw err;
        await this.api.createNamespacedLease({ namespace, body: this.fresh(now, 0) });
        return this.set(true, 'created the Lease', now);
      }
      const spec = lease.spec ?? {};
      const holder = spec.holderIdentity ?? '';
      const renewed = spec.renewTime === undefined ? 0 : new Date(spec.renewTime).getTime();
      const duration = (spec.leaseDurationSeconds ?? this.opts.leaseDurationSeconds) * 1000;
      if (holder === identity) {
        lease.spec = { ...spec, renewTime: new V1MicroTime(now), leaseDurationSeconds: this.opts.leaseDurationSeconds };
        await this.api.replaceNamespacedLease({ name, namespace, body: lease });
        return this.set(true, 'renewed', now);
      }
      if (holder === '' || now - renewed > duration) {
        const next = this.fresh(now, (spec.leaseTransitions ?? 0) + 1);
        next.metadata = {
          ...next.metadata,
          ...(lease.metadata?.resourceVersion ? { resourceVersion: lease.metadata.resourceVersion } : {}),
        };
        await this.api.replaceNamespacedLease({ name, namespace, body: next });
        return this.set(
          true,
          holder === '' ? 'took the released Lease' : `took over from ${holder} (not renewed for ${Math.round((now - renewed) / 1000)} s)`,
          now,
        );
      }
      return this.set(false, `${holder} holds the Lease`, now);
    } catch (err) {
      const code = apiErrorCode(err);
      if (code === 409) return this.set(false, 'lost a race for the Lease (conflict)', now);
      // Cannot reach the API: keep leading only while our last renewal is still valid.
      const stillValid = this.leader && now - this.lastRenewMs < this.opts.leaseDurationSeconds * 1000;
      return this.set(stillValid, `Lease not renewed: ${errorMessage(err)}`, now, false);
    }
  }

  /** Gives the Lease up (on shutdown) so that another replica takes over at once. */
  async release(): Promise<void> {
    if (!this.leader) return;
    const { namespace, name } = this.opts;
    try {
      const lease = await this.api.readNamespacedLease({ name, namespace });
      if (lease.spec?.holderIdentity !== this.opts.identity) return;
      lease.spec = { ...lease.spec, holderIdentity: '' };
      await this.api.replaceNamespacedLease({ name, namespace, body: lease });
    } catch {
      // the Lease expires by itself
    }
    this.set(false, 'released', this.now());
  }

  private fresh(now: number, transitions: number): V1Lease {
    const t = new V1MicroTime(now);
    return {
      apiVersion: 'coordination.k8s.io/v1',
      kind: 'Lease',
      metadata: { name: this.opts.name, namespace: this.opts.namespace },
      spec: {
        holderIdentity: this.opts.identity,
        leaseDurationSeconds: this.opts.leaseDurationSeconds,
        acquireTime: t,
        renewTime: t,
        leaseTransitions: transitions,
      },
    };
  }

  private set(leader: boolean, why: string, now: number, renewed = leader): boolean {
    if (renewed) this.lastRenewMs = now;
    if (leader !== this.leader) this.opts.onChange?.(leader, why);
    this.leader = leader;
    return leader;
  }
}
