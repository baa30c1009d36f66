/**
 * The pod's annotations (downward-API file): the baseline profile and DF thresholds unless a
 * flag or environment variable gave them. Applied at start, on every change of the file and
 * on demand (SIGHUP).
 */
import { type Stats, unwatchFile, watchFile } from 'node:fs';
import type { Logger } from 'pino';
import { readPodOverrides } from '../k8s/annotations.js';
import type { LiveTracker } from '../stats/live.js';
import type { ServeConfig } from './config.js';

export interface FollowedAnnotations {
  reload(): Promise<void>;
  stop(): void;
}

export async function followPodAnnotations(cfg: ServeConfig, tracker: LiveTracker, log: Logger): Promise<FollowedAnnotations> {
  const path = cfg.podAnnotations;
  if (path === undefined) return { reload: async () => undefined, stop: () => undefined };
  const apply = async (): Promise<void> => {
    const { overrides, errors } = await readPodOverrides(path);
    for (const e of errors) log.warn({ file: path }, e);
    const given = new Set(cfg.explicit);
    const warning = given.has('dfWarning') ? cfg.dfWarning : (overrides.dfWarning ?? cfg.dfWarning);
    const critical = given.has('dfCritical') ? cfg.dfCritical : (overrides.dfCritical ?? cfg.dfCritical);
    if (critical < warning) log.warn({ warning, critical }, 'pod annotations: df-critical below df-warning; ignored');
    else tracker.setThresholds({ warning, critical });
    if (!given.has('profile')) tracker.setProfile(overrides.profile ?? cfg.profile);
    log.info({ file: path, ...overrides }, 'pod annotations applied');
  };
  await apply();
  const listener = (curr: Stats, prev: Stats): void => {
    if (curr.mtimeMs !== prev.mtimeMs || curr.ino !== prev.ino || curr.size !== prev.size) void apply();
  };
  watchFile(path, { interval: cfg.baselinePollMs, persistent: false }, listener);
  return { reload: apply, stop: () => unwatchFile(path, listener) };
}
