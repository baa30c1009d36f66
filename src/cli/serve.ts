/** Wires `kts serve`: options from the config table, --print-config, signals. */
import { type Command, Option } from 'commander';
import { redactUrl } from '../io/redact.js';
import { ConfigError, resolveConfig, SERVE_OPTIONS, type ServeConfig, sourceName } from '../serve/config.js';
import { UsageError } from './errors.js';
import { untilStopped } from './signals.js';

/** Exit within this long after SIGTERM, whatever is still running. */
const SHUTDOWN_DEADLINE_MS = 4500;

function printable(cfg: ServeConfig): Record<string, unknown> {
  const { explicit: _explicit, ...shown } = cfg;
  const b = cfg.baseline;
  return {
    ...shown,
    dcgmUrl: cfg.dcgmUrl === undefined ? null : redactUrl(cfg.dcgmUrl),
    baseline: b === undefined ? null : b.kind === 'file' ? b.path : `configmap:${b.name}/${b.key}`,
    capture: cfg.capture ?? null,
    pod: cfg.pod ?? null,
    podAnnotations: cfg.podAnnotations ?? null,
    profile: cfg.profile ?? null,
    source: cfg.source.map(sourceName),
    promLabels: Object.fromEntries(cfg.promLabels),
    listen: `${cfg.listen.host}:${cfg.listen.port}`,
  };
}

export function registerServe(program: Command, print: (line: string) => void): void {
  const cmd = program
    .command('serve')
    .description('the sidecar: follow KTS_APP lines and expose /metrics, /readyz, /api/status and a status page');
  for (const o of SERVE_OPTIONS) {
    // Defaults and environment variables are applied by resolveConfig, not by commander.
    const dflt = o.default !== undefined && !('boolean' in o) ? ` (default: ${o.default})` : '';
    cmd.addOption(new Option(o.flag, `${o.description}${dflt} [env: ${o.env}]`));
  }
  cmd.option('--print-config', 'print the resolved configuration as JSON and exit');
  cmd.action(async (flags: Record<string, unknown>) => {
    let cfg: ServeConfig;
    try {
      cfg = resolveConfig(flags, process.env);
    } catch (err) {
      if (err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    if (flags.printConfig === true) {
      print(JSON.stringify(printable(cfg), null, 2));
      return;
    }
    // SIGTERM during start-up is kept; SIGHUP never kills: it reloads once serving.
    let onHup = (): void => {};
    const stopped = untilStopped(() => onHup());
    // Loaded here so that --help, --print-config and the other commands start fast.
    const { startServe } = await import('../serve/runtime.js');
    const { ListenError } = await import('../serve/listen.js');
    const server = await startServe(cfg).catch((err: unknown) => {
      throw err instanceof ListenError ? new UsageError(err.message) : err;
    });
    onHup = () => void server.reload();
    // A signal, or (with --exit-with) the watched container's end: close, and exit within the deadline.
    await Promise.race([stopped, server.done]);
    setTimeout(() => process.exit(0), SHUTDOWN_DEADLINE_MS).unref();
    await server.close();
  });
}
