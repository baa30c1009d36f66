/**
 * `kts guard`'s loop: while leading, observe gold pods (through their sidecars) and nodes,
 * keep the gold-active taint where gold work is active, and, when eviction is on, evict the
 * newest elastic pod sharing a gold pod's GPU once its tail has stayed above critical for
 * `evictAfterMs`. Every action is logged and counted; dry-run only reports.
 */
import { errorMessage } from '../k8s/client.js';
import type { EvictResult, GuardKube, NodeInfo } from './kube.js';
import type { LeaseElector } from './leader.js';
import { type GoldObservation, keyOf, type PodKey, pickVictim, planTaints } from './plan.js';
import { type ProbeOptions, probeSidecar } from './probe.js';

export interface GuardOptions extends Omit<ProbeOptions, 'now'> {
  dryRun: boolean;
  evict: boolean;
  evictAfterMs: number;
  now?: () => number;
}

export type ActionKind = 'taint' | 'untaint' | 'evict';
export type ActionResult = 'ok' | 'dry_run' | 'refused' | 'conflict' | 'gone' | 'error';

export interface GuardLog {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
}

export class Guard {
  readonly actions = new Map<string, number>();
  gold = { active: 0, idle: 0, unknown: 0 };
  taintedNodes = 0;
  reconciles = { ok: 0, error: 0 };
  leader = false;
  /** Gold pods above critical, since when (ms). */
  private readonly criticalSince = new Map<string, number>();
  /** Last eviction made for a gold pod (ms), to wait evictAfterMs before the next. */
  private readonly lastEviction = new Map<string, number>();
  private readonly now: () => number;

  constructor(
    private readonly kube: GuardKube,
    private readonly elector: LeaseElector | undefined,
    private readonly opts: GuardOptions,
    private readonly log: GuardLog,
  ) {
    this.now = opts.now ?? Date.now;
  }

  count(action: ActionKind, result: ActionResult): void {
    const k = `${action}|${result}`;
    this.actions.set(k, (this.actions.get(k) ?? 0) + 1);
  }

  /** One reconcile pass. Never throws: a failed pass is logged and counted, the next one retries. */
  async tick(): Promise<void> {
    this.leader = this.elector === undefined ? true : await this.elector.tick();
    if (!this.leader) return;
    try {
      const [goldPods, nodes] = await Promise.all([this.kube.goldPods(), this.kube.nodes()]);
      const gold: GoldObservation[] = await Promise.all(
        goldPods.map(async (g) => ({ ...g, ...(await probeSidecar(g.statusUrl, { ...this.opts, now: this.now })) })),
      );
      this.gold = {
        active: gold.filter((g) => g.active === true).length,
        idle: gold.filter((g) => g.active === false).length,
        unknown: gold.filter((g) => g.active === undefined).length,
      };
      for (const g of gold)
        if (g.active === undefined) this.log.warn({ pod: keyOf(g), detail: g.detail }, 'gold pod state unknown: its node keeps its taint');
      await this.reconcileTaints(nodes, gold);
      if (this.opts.evict) await this.reconcileEvictions(gold);
      else this.criticalSince.clear();
      this.reconciles.ok++;
    } catch (err) {
      this.reconciles.error++;
      this.log.warn({ err: errorMessage(err) }, 'reconcile failed; retrying next pass');
    }
  }

  private async reconcileTaints(nodes: NodeInfo[], gold: GoldObservation[]): Promise<void> {
    const byName = new Map(nodes.map((n) => [n.name, n]));
    let tainted = nodes.filter((n) => n.tainted).length;
    for (const a of planTaints(nodes, gold)) {
      const node = byName.get(a.node) as NodeInfo;
      if (this.opts.dryRun) {
        this.count(a.kind, 'dry_run');
        this.log.info({ action: a.kind, node: a.node, reason: a.reason, dryRun: true }, `would ${a.kind} node`);
        continue;
      }
      try {
        const r = await this.kube.setTaint(node, a.kind === 'taint');
        this.count(a.kind, r);
        if (r === 'ok') tainted += a.kind === 'taint' ? 1 : -1;
        this.log.info({ action: a.kind, node: a.node, reason: a.reason, result: r }, `${a.kind} node`);
      } catch (err) {
        this.count(a.kind, 'error');
        this.log.warn({ action: a.kind, node: a.node, err: errorMessage(err) }, `${a.kind} failed`);
      }
    }
    this.taintedNodes = tainted;
  }

  private async reconcileEvictions(gold: GoldObservation[]): Promise<void> {
    const now = this.now();
    const hot = new Set(gold.filter((g) => g.critical).map(keyOf));
    for (const k of [...this.criticalSince.keys()]) if (!hot.has(k)) this.criticalSince.delete(k);
    const due = gold.filter((g) => {
      if (!g.critical) return false;
      const since = this.criticalSince.get(keyOf(g)) ?? now;
      this.criticalSince.set(keyOf(g), since);
      const last = this.lastEviction.get(keyOf(g)) ?? Number.NEGATIVE_INFINITY;
      return now - since >= this.opts.evictAfterMs && now - last >= this.opts.evictAfterMs;
    });
    if (due.length === 0) return;
    const elastic = await this.kube.elasticPods();
    for (const g of due) {
      const victim = pickVictim(g, elastic);
      if (victim === undefined) {
        this.log.info({ gold: keyOf(g), detail: g.detail }, 'gold tail above critical, but no elastic pod shares its node or GPU');
        continue;
      }
      const why = `gold pod ${keyOf(g)} on ${g.node} has its tail above critical for ${Math.round((now - (this.criticalSince.get(keyOf(g)) ?? now)) / 1000)} s (${g.detail})`;
      if (this.opts.dryRun) {
        this.count('evict', 'dry_run');
        this.log.info({ action: 'evict', pod: keyOf(victim), gold: keyOf(g), reason: why, dryRun: true }, 'would evict elastic pod');
        this.lastEviction.set(keyOf(g), now);
        continue;
      }
      let r: EvictResult | 'error';
      try {
        r = await this.kube.evict(victim);
      } catch (err) {
        r = 'error';
        this.log.warn({ pod: keyOf(victim), err: errorMessage(err) }, 'eviction failed');
      }
      this.count('evict', r);
      this.lastEviction.set(keyOf(g), now);
      this.log.info({ action: 'evict', pod: keyOf(victim), gold: keyOf(g), reason: why, result: r }, 'evict elastic pod');
      await this.events(victim, g, r, why);
    }
  }

  private async events(victim: PodKey, gold: PodKey, r: EvictResult | 'error', why: string): Promise<void> {
    const tell = async (pod: PodKey, type: 'Normal' | 'Warning', reason: string, message: string) => {
      try {
        await this.kube.event(pod, type, reason, message);
      } catch (err) {
        this.log.warn({ pod: keyOf(pod), err: errorMessage(err) }, 'event failed');
      }
    };
    if (r === 'ok') {
      await tell(victim, 'Warning', 'KtsEvictedForGold', `evicted by kts guard: ${why}`);
      await tell(gold, 'Normal', 'KtsEvictedCotenant', `kts guard evicted elastic pod ${keyOf(victim)}: ${why}`);
    } else if (r === 'refused') {
      await tell(
        gold,
        'Warning',
        'KtsEvictionRefused',
        `kts guard could not evict ${keyOf(victim)}: its PodDisruptionBudget allows no disruption now (${why})`,
      );
    }
  }
}
