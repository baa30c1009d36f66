import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type ElasticPod, type GoldObservation, pickVictim, planTaints } from '../../src/guard/plan.js';

const gold = (name: string, node: string, active: boolean | undefined, gpuPods: string[] = []): GoldObservation => ({
  namespace: 'gpu',
  name,
  node,
  active,
  critical: false,
  gpuPods,
  detail: '',
});

describe('guard planning', () => {
  it('taints a node with active gold work, untaints it once every gold pod there is idle', () => {
    const nodes = [
      { name: 'a', tainted: false },
      { name: 'b', tainted: true },
      { name: 'c', tainted: true },
      { name: 'd', tainted: false },
    ];
    const actions = planTaints(nodes, [gold('g1', 'a', true), gold('g2', 'b', false), gold('g3', 'd', false)]);
    assert.deepEqual(
      actions.map((a) => `${a.kind} ${a.node}`),
      ['taint a', 'untaint b', 'untaint c'],
    );
    assert.match(actions[0]?.reason ?? '', /gpu\/g1/);
  });

  it('never lifts the taint while a gold sidecar cannot be read', () => {
    const nodes = [{ name: 'a', tainted: true }];
    assert.deepEqual(planTaints(nodes, [gold('g1', 'a', false), gold('g2', 'a', undefined)]), []);
    assert.deepEqual(planTaints([{ name: 'a', tainted: false }], [gold('g2', 'a', undefined)]), [], 'nor adds it on a guess');
  });

  it('picks the newest elastic pod on the gold pod GPU (dcgm-exporter), else on its node', () => {
    const elastic: ElasticPod[] = [
      { namespace: 'batch', name: 'old', node: 'a', createdMs: 1000 },
      { namespace: 'batch', name: 'new', node: 'a', createdMs: 5000 },
      { namespace: 'batch', name: 'other-gpu', node: 'a', createdMs: 9000 },
      { namespace: 'batch', name: 'elsewhere', node: 'b', createdMs: 9999 },
    ];
    assert.equal(pickVictim(gold('g', 'a', true), elastic)?.name, 'other-gpu', 'no GPU mapping: newest on the node');
    assert.equal(pickVictim(gold('g', 'a', true, ['gpu/g', 'batch/old', 'batch/new']), elastic)?.name, 'new', 'newest on its GPU');
    assert.equal(pickVictim(gold('g', 'c', true), elastic), undefined);
  });
});
