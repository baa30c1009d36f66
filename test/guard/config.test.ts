import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { GuardConfigError, resolveGuardConfig } from '../../src/guard/config.js';
import { CLI } from '../helpers.js';

describe('kts guard configuration', () => {
  it('defaults: taints only (no eviction), leader election on, Lease in POD_NAMESPACE under POD_NAME', () => {
    const cfg = resolveGuardConfig({}, { POD_NAME: 'kts-guard-7d9', POD_NAMESPACE: 'kts-system' });
    assert.equal(cfg.evict, false);
    assert.equal(cfg.dryRun, false);
    assert.equal(cfg.leaderElection, true);
    assert.deepEqual(cfg.lease, { name: 'kts-guard', namespace: 'kts-system', identity: 'kts-guard-7d9', durationSeconds: 15 });
    assert.deepEqual(cfg.listen, { host: '', port: 9465 });
  });

  it('flags win over KTS_GUARD_* variables', () => {
    const cfg = resolveGuardConfig(
      { evictAfterMs: '60000' },
      { KTS_GUARD_EVICT: 'true', KTS_GUARD_EVICT_AFTER_MS: '1000', KTS_GUARD_DRY_RUN: 'true' },
    );
    assert.equal(cfg.evict, true);
    assert.equal(cfg.dryRun, true);
    assert.equal(cfg.evictAfterMs, 60_000);
  });

  it('a bad value fails with one line naming the flag and the variable', () => {
    assert.throws(
      () => resolveGuardConfig({ intervalMs: 'soon' }, {}),
      /invalid --interval-ms \(KTS_GUARD_INTERVAL_MS\): expected an integer/,
    );
    assert.throws(() => resolveGuardConfig({}, { KTS_GUARD_CLOCK: 'gpu' }), GuardConfigError);
    assert.throws(() => resolveGuardConfig({ evict: 'true', evictAfterMs: '10', intervalMs: '5000' }, {}), /shorter than --interval-ms/);
    const r = spawnSync(process.execPath, [CLI, 'guard', '--active-window-ms', '10'], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
    assert.match(r.stderr, /--active-window-ms/);
  });
});
