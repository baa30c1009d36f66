/** Wires `kts guard`: the contention guard controller (taints, optional evictions, Lease). */
import { type Command, Option } from 'commander';
import { GUARD_OPTIONS, GuardConfigError, resolveGuardConfig } from '../guard/config.js';
import { UsageError } from './errors.js';
import { untilStopped } from './signals.js';

export function registerGuard(program: Command, print: (line: string) => void): void {
  const cmd = program
    .command('guard')
    .description(
      'keep the kts.dev/gold-active taint on nodes running active gold work; optionally evict elastic pods hurting a gold tail (Lease leader election, dry-run)',
    );
  for (const o of GUARD_OPTIONS) {
    const dflt = o.boolean === true || o.default === '' ? '' : ` (default: ${o.default})`;
    cmd.addOption(new Option(o.flag, `${o.description}${dflt} [env: ${o.env}]`));
  }
  cmd.option('--print-config', 'print the resolved configuration as JSON and exit');
  cmd.action(async (flags: Record<string, unknown>) => {
    let cfg: ReturnType<typeof resolveGuardConfig>;
    try {
      cfg = resolveGuardConfig(flags, process.env);
    } catch (err) {
      if (err instanceof GuardConfigError) throw new UsageError(err.message);
      throw err;
    }
    if (flags.printConfig === true) {
      print(JSON.stringify(cfg, null, 2));
      return;
    }
    const stopped = untilStopped();
    const { createLogger } = await import('./logger.js');
    const logger = createLogger(cfg.logLevel, 'kts-guard');
    const { loadKubeConfig } = await import('../k8s/client.js');
    const { startGuard } = await import('../guard/server.js');
    const running = await startGuard(cfg, { kubeConfig: loadKubeConfig(), logger });
    await stopped;
    await running.close();
  });
}
