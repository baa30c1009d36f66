/**
 * The sidecar's typed configuration: every option from a flag or a `KTS_*` environment
 * variable (flag wins), validated at start-up. A bad value is reported as one line naming
 * the flag and the variable.
 */

import * as z from 'zod/mini';
import { uuidFromVisibleDevices } from '../dcgm/select.js';
import '../io/zod-locale.js';
import { SIDECAR_MEMORY_LIMIT } from '../k8s/inject.js';
import { PRESET_NAMES, type PresetName } from '../sources/prom-presets.js';

/**
 * Most workloads `--max-workloads` may ask for. Measured with the injected heap flags
 * (`node dist/bench/faults.js`, peak RSS): ~75 MB with none and ~0.6 MB more per workload;
 * 64 workloads 114 MB, and 123 MB while dcgm-exporter answers every scrape with an endless
 * body; 128 workloads 148 MB and 157 MB with that body, too close to the 160Mi (168 MB) limit
 * once the Kubernetes client of pod signals is loaded too. 64 keeps a quarter of it free.
 */
export const MAX_WORKLOADS_LIMIT = 64;

export type SourceSpec =
  | { kind: 'file'; path: string }
  | { kind: 'stdin' }
  | { kind: 'k8s-logs'; container: string }
  | { kind: 'cri'; container: string }
  | { kind: 'prom'; url: string };

/** A source as written on the command line. */
export function sourceName(spec: SourceSpec): string {
  if (spec.kind === 'stdin') return 'stdin';
  if (spec.kind === 'file') return `file:${spec.path}`;
  if (spec.kind === 'prom') return `prom:${spec.url}`;
  return `${spec.kind}:${spec.container}`;
}

export type BaselineTarget = { kind: 'file'; path: string } | { kind: 'configmap'; name: string; key: string };

export const DEFAULT_CONFIGMAP_KEY = 'baseline.json';

const CONTAINER_NAME = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** What a parse step reports its problems to (zod's parse payload). */
type Ctx = z.core.ParsePayload;
const addIssue = (ctx: Ctx, message: string): void => {
  ctx.issues.push({ code: 'custom', message, input: ctx.value });
};

function parseSource(spec: string, ctx: Ctx): SourceSpec {
  if (spec === 'stdin') return { kind: 'stdin' };
  const colon = spec.indexOf(':');
  const kind = colon < 0 ? spec : spec.slice(0, colon);
  const arg = colon < 0 ? '' : spec.slice(colon + 1);
  if (kind === 'file' && arg.length > 0) return { kind: 'file', path: arg };
  if (kind === 'prom' && /^https?:\/\/\S+$/.test(arg)) return { kind: 'prom', url: arg };
  if (kind === 'prom') {
    addIssue(ctx, `'${spec}' needs an http(s) URL (prom:http://127.0.0.1:8000/metrics)`);
    return { kind: 'stdin' };
  }
  if ((kind === 'k8s-logs' || kind === 'cri') && CONTAINER_NAME.test(arg)) return { kind, container: arg };
  if (kind === 'k8s-logs' || kind === 'cri') {
    addIssue(ctx, `'${spec}' needs a container name (${kind}:<container>)`);
    return { kind: 'stdin' };
  }
  addIssue(ctx, `'${spec}' is not a source (file:<path>, stdin, k8s-logs:<container>, cri:<container>, prom:<url>)`);
  return { kind: 'stdin' };
}

/** `k=v,k2=v2` (empty: no filter). */
function parseLabelFilter(v: string, ctx: Ctx): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of v.split(',').map((p) => p.trim())) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? '' : part.slice(0, eq).trim();
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(key)) addIssue(ctx, `'${part}' is not label=value`);
    else out.set(key, part.slice(eq + 1).trim());
  }
  return out;
}

/** `configmap:<name>[/<key>]` (through the API, watched) or a file path (polled). */
function parseBaselineTarget(v: string, ctx: Ctx): BaselineTarget {
  if (!v.startsWith('configmap:')) return { kind: 'file', path: v };
  const [name = '', key = DEFAULT_CONFIGMAP_KEY] = v.slice('configmap:'.length).split('/');
  if (!CONTAINER_NAME.test(name) || key === '') addIssue(ctx, `'${v}' is not configmap:<name>[/<key>]`);
  return { kind: 'configmap', name, key };
}

export const listenSchema = z.pipe(
  z.string(),
  z.transform((v: string, ctx) => {
    const i = v.lastIndexOf(':');
    const host = i <= 0 ? '' : v.slice(0, i);
    const port = Number(i < 0 ? v : v.slice(i + 1));
    if (!Number.isInteger(port) || port < 0 || port > 65535) {
      addIssue(ctx, `'${v}' is not [host]:port`);
      return { host: '', port: 0 };
    }
    return { host: host.replace(/^\[|\]$/g, ''), port };
  }),
);
const int = (min: number, max = Number.MAX_SAFE_INTEGER) =>
  z.pipe(z.pipe(z.string().check(z.regex(/^\d+$/, 'expected an integer')), z.transform(Number)), z.int().check(z.gte(min), z.lte(max)));
const ratio = z.pipe(
  z.pipe(z.string().check(z.regex(/^\d+(\.\d+)?$/, 'expected a number')), z.transform(Number)),
  z.number().check(z.gte(1, 'must be at least 1')),
);
const bool = z.pipe(
  z.enum(['true', 'false', '1', '0']),
  z.transform((v) => v === 'true' || v === '1'),
);
/** A string turned into a value by `parse`, which reports what is wrong through `ctx`. */
const parsed = <T>(parse: (v: string, ctx: Ctx) => T, min = 0) => z.pipe(z.string().check(z.minLength(min)), z.transform(parse));
const optionalMatch = (re: RegExp, message: string) => z.optional(z.string().check(z.regex(re, message)));

interface OptionDef {
  key: string;
  flag: string;
  env: string;
  description: string;
  default: string | undefined;
  schema: z.ZodMiniType;
  list?: boolean;
  boolean?: boolean;
}

export const SERVE_OPTIONS = [
  {
    key: 'source',
    flag: '--source <spec...>',
    env: 'KTS_SOURCE',
    description:
      "where KTS_APP lines come from: file:<path>, stdin, k8s-logs:<container> (pod log API) or cri:<container> (kubelet log files); or prom:<url>, the workload's own Prometheus histogram (with --preset or --prom-histogram); repeatable, env comma-separated",
    default: 'stdin',
    list: true,
    schema: z.array(parsed(parseSource)).check(z.minLength(1)),
  },
  {
    key: 'preset',
    flag: '--preset <name>',
    env: 'KTS_PRESET',
    description: `prom: sources: the histogram to read, by server (${PRESET_NAMES.join(', ')})`,
    default: undefined,
    schema: z.optional(z.enum(PRESET_NAMES as [PresetName, ...PresetName[]])),
  },
  {
    key: 'promHistogram',
    flag: '--prom-histogram <name>',
    env: 'KTS_PROM_HISTOGRAM',
    description: 'prom: sources: any histogram by name instead of a preset (unit from its suffix: _seconds, _ms, _us; else seconds)',
    default: undefined,
    schema: optionalMatch(/^[a-zA-Z_:][a-zA-Z0-9_:]*$/, 'expected a metric name'),
  },
  {
    key: 'promLabels',
    flag: '--prom-labels <k=v,...>',
    env: 'KTS_PROM_LABELS',
    description: 'prom: sources: only series with these labels (e.g. model_name=llama); the matching series are summed',
    default: '',
    schema: parsed(parseLabelFilter),
  },
  {
    key: 'promWorkload',
    flag: '--prom-workload <name>',
    env: 'KTS_PROM_WORKLOAD',
    description:
      'prom: sources: the workload name the histogram is reported (and baselined) under (default: the preset, else the histogram name)',
    default: undefined,
    schema: optionalMatch(/^[A-Za-z0-9_.-]{1,64}$/, 'expected [A-Za-z0-9_.-]{1,64}'),
  },
  {
    key: 'promIntervalMs',
    flag: '--prom-interval-ms <ms>',
    env: 'KTS_PROM_INTERVAL_MS',
    description: 'prom: sources: scrape interval',
    default: '5000',
    schema: int(100, 600_000),
  },
  {
    key: 'promTimeoutMs',
    flag: '--prom-timeout-ms <ms>',
    env: 'KTS_PROM_TIMEOUT_MS',
    description: 'prom: sources: time limit of one scrape (default 2000, or 80 % of a shorter --prom-interval-ms)',
    default: '2000',
    schema: int(50, 600_000),
  },
  {
    key: 'promMaxBytes',
    flag: '--prom-max-bytes <n>',
    env: 'KTS_PROM_MAX_BYTES',
    description: 'prom: sources: largest /metrics body read (larger ones are dropped and counted)',
    default: '8388608',
    schema: int(1024, 1024 * 1024 * 1024),
  },
  {
    key: 'fromBeginning',
    flag: '--from-beginning',
    env: 'KTS_FROM_BEGINNING',
    description:
      'file: sources read existing content first instead of starting at the end (k8s-logs and cri always read the container log from its start)',
    default: 'false',
    boolean: true,
    schema: bool,
  },
  {
    key: 'baseline',
    flag: '--baseline <file>',
    env: 'KTS_BASELINE',
    description: 'baseline JSON: a file (reloaded when it changes) or configmap:<name>[/<key>] in the pod namespace (watched)',
    default: undefined,
    schema: z.optional(parsed(parseBaselineTarget, 1)),
  },
  {
    key: 'capture',
    flag: '--capture <n>',
    env: 'KTS_CAPTURE',
    description: 'record a baseline live from the first N samples per workload (run it alone on its GPU) and write it to --baseline',
    default: undefined,
    schema: z.optional(int(100)),
  },
  {
    key: 'profile',
    flag: '--profile <name>',
    env: 'KTS_PROFILE',
    description: 'baseline profile to use (default: match by workload name)',
    default: undefined,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  {
    key: 'listen',
    flag: '--listen <[host]:port>',
    env: 'KTS_LISTEN',
    description: 'HTTP listen address',
    default: ':9464',
    schema: listenSchema,
  },
  {
    key: 'warmup',
    flag: '--warmup <n>',
    env: 'KTS_WARMUP',
    description: 'iterations below N are warmup (besides phase=warmup lines)',
    default: '10',
    schema: int(0),
  },
  {
    key: 'maxWorkloads',
    flag: '--max-workloads <n>',
    env: 'KTS_MAX_WORKLOADS',
    description: `most workloads tracked (at most ${MAX_WORKLOADS_LIMIT}: what the sidecar's ${SIDECAR_MEMORY_LIMIT} memory limit holds); when full, a new workload takes the slot of one idle for 5 min, else of the one with the fewest samples if under 100; otherwise its samples are dropped and counted`,
    default: '32',
    schema: z.pipe(
      int(1),
      z
        .number()
        .check(
          z.lte(
            MAX_WORKLOADS_LIMIT,
            `at most ${MAX_WORKLOADS_LIMIT} workloads fit the sidecar's ${SIDECAR_MEMORY_LIMIT} memory limit (about 0.6 MB of RSS each)`,
          ),
        ),
    ),
  },
  {
    key: 'dfWarning',
    flag: '--df-warning <ratio>',
    env: 'KTS_DF_WARNING',
    description: 'DF warning threshold',
    default: '1.2',
    schema: ratio,
  },
  {
    key: 'dfCritical',
    flag: '--df-critical <ratio>',
    env: 'KTS_DF_CRITICAL',
    description: 'DF critical threshold',
    default: '1.5',
    schema: ratio,
  },
  {
    key: 'detectArl',
    flag: '--detect-arl <samples>',
    env: 'KTS_DETECT_ARL',
    description: 'contention detector: mean samples between false alarms, at least',
    default: '10000',
    schema: int(10),
  },
  {
    key: 'baselinePollMs',
    flag: '--baseline-poll-ms <ms>',
    env: 'KTS_BASELINE_POLL_MS',
    description: 'how often the baseline file is checked for changes',
    default: '2000',
    schema: int(50),
  },
  {
    key: 'podAnnotations',
    flag: '--pod-annotations <file>',
    env: 'KTS_POD_ANNOTATIONS',
    description:
      'downward-API annotations file; kts.dev/profile, kts.dev/df-warning and kts.dev/df-critical there apply (live) unless set by flag or env',
    default: undefined,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  {
    key: 'dcgmUrl',
    flag: '--dcgm-url <url>',
    env: 'KTS_DCGM_URL',
    description: "node dcgm-exporter to correlate with (default http://$HOST_IP:9400/metrics when HOST_IP is set; 'none' turns it off)",
    default: undefined,
    schema: optionalMatch(/^(none|https?:\/\/\S+)$/, 'expected an http(s) URL or none'),
  },
  {
    key: 'dcgmIntervalMs',
    flag: '--dcgm-interval-ms <ms>',
    env: 'KTS_DCGM_INTERVAL_MS',
    description: 'dcgm-exporter scrape interval',
    default: '1000',
    schema: int(100, 60_000),
  },
  {
    key: 'dcgmTimeoutMs',
    flag: '--dcgm-timeout-ms <ms>',
    env: 'KTS_DCGM_TIMEOUT_MS',
    description: 'dcgm-exporter scrape timeout',
    default: '800',
    schema: int(50, 60_000),
  },
  {
    key: 'gpuUuid',
    flag: '--gpu-uuid <uuid>',
    env: 'KTS_GPU_UUID',
    description:
      "this pod's GPU when dcgm-exporter has no pod mapping (default: GPU UUIDs in KTS_WORKLOAD_VISIBLE_DEVICES, the workload's NVIDIA_VISIBLE_DEVICES handed over by the injector, else NVIDIA_VISIBLE_DEVICES)",
    default: undefined,
    schema: z.optional(z.string().check(z.minLength(1))),
  },
  {
    key: 'gpuIndex',
    flag: '--gpu-index <n>',
    env: 'KTS_GPU_INDEX',
    description: "this pod's GPU by index, the last resort",
    default: undefined,
    schema: optionalMatch(/^\d+$/, 'expected an integer'),
  },
  {
    key: 'podSignals',
    flag: '--pod-signals <mode>',
    env: 'KTS_POD_SIGNALS',
    description:
      'Events and the kts.dev/TailContention condition on the own pod at critical DF: auto (on when POD_NAME is set), true, false',
    default: 'auto',
    schema: z.enum(['auto', 'true', 'false']),
  },
  {
    key: 'tier',
    flag: '--tier <tier>',
    env: 'KTS_TIER',
    description:
      "the pod's priority tier, gold (latency-critical) or elastic (batch), exposed as kts_tier_info (the injector passes the pod label kts.dev/tier; empty: none)",
    default: undefined,
    schema: z.optional(z.enum(['', 'gold', 'elastic'])),
  },
  {
    key: 'criRoot',
    flag: '--cri-root <dir>',
    env: 'KTS_CRI_ROOT',
    description: 'kubelet pod log directory read by cri: sources',
    default: '/var/log/pods',
    schema: z.string().check(z.minLength(1)),
  },
  {
    key: 'exitWith',
    flag: '--exit-with <container>',
    env: 'KTS_EXIT_WITH',
    description:
      "exit 0 once this container of the sidecar's own pod has terminated for good (restartPolicy Never: any exit; OnFailure: exit 0): for a plain sidecar in a Job's pod (the injector sets it before Kubernetes 1.29)",
    default: undefined,
    schema: optionalMatch(CONTAINER_NAME, 'expected a container name'),
  },
  {
    key: 'logLevel',
    flag: '--log-level <level>',
    env: 'KTS_LOG_LEVEL',
    description: 'fatal, error, warn, info, debug',
    default: 'info',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
  },
] as const satisfies readonly OptionDef[];

export interface ServeConfig {
  source: SourceSpec[];
  preset: PresetName | undefined;
  promHistogram: string | undefined;
  promLabels: Map<string, string>;
  promWorkload: string | undefined;
  promIntervalMs: number;
  promTimeoutMs: number;
  promMaxBytes: number;
  fromBeginning: boolean;
  baseline: BaselineTarget | undefined;
  capture: number | undefined;
  criRoot: string;
  podSignals: 'auto' | 'true' | 'false';
  tier: '' | 'gold' | 'elastic' | undefined;
  dcgmUrl: string | undefined;
  dcgmIntervalMs: number;
  dcgmTimeoutMs: number;
  gpuUuid: string | undefined;
  gpuIndex: string | undefined;
  podAnnotations: string | undefined;
  /** Keys set by a flag or an environment variable (pod annotations do not override these). */
  explicit: string[];
  /** The sidecar's own pod (downward API POD_NAME, POD_NAMESPACE, POD_UID). */
  pod: { name: string; namespace: string; uid: string | undefined } | undefined;
  profile: string | undefined;
  listen: { host: string; port: number };
  warmup: number;
  maxWorkloads: number;
  dfWarning: number;
  dfCritical: number;
  detectArl: number;
  baselinePollMs: number;
  exitWith: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
}

export class ConfigError extends Error {}

/** Builds the config from parsed flags (strings, string arrays or true) and the environment. */
export function resolveConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): ServeConfig {
  const out: Record<string, unknown> = {};
  const explicit: string[] = [];
  for (const o of SERVE_OPTIONS as readonly OptionDef[]) {
    const fromFlag = flags[o.key];
    const fromEnv = env[o.env];
    if (fromFlag !== undefined || (fromEnv !== undefined && fromEnv !== '')) explicit.push(o.key);
    let raw: unknown;
    if (fromFlag !== undefined) raw = o.boolean === true ? String(fromFlag) : fromFlag;
    else if (fromEnv !== undefined && fromEnv !== '' && o.boolean === true) raw = fromEnv;
    else if (fromEnv !== undefined && fromEnv !== '') raw = o.list === true ? fromEnv.split(',').map((s) => s.trim()) : fromEnv;
    else raw = o.list === true && o.default !== undefined ? [o.default] : o.default;
    const r = o.schema.safeParse(raw);
    if (!r.success) {
      const issue = r.error.issues[0];
      const where = `${o.flag.split(' ')[0]} (${o.env})`;
      throw new ConfigError(`invalid ${where}: ${issue?.message ?? 'bad value'}${typeof raw === 'string' ? ` (got '${raw}')` : ''}`);
    }
    out[o.key] = r.data;
  }
  const cfg = out as unknown as ServeConfig;
  cfg.explicit = explicit;
  if (cfg.dcgmUrl === undefined && (env.HOST_IP ?? '') !== '') cfg.dcgmUrl = `http://${env.HOST_IP}:9400/metrics`;
  if (cfg.dcgmUrl === 'none') cfg.dcgmUrl = undefined;
  // The workload's NVIDIA_VISIBLE_DEVICES, handed over by the injector, else the sidecar's own.
  cfg.gpuUuid ??= uuidFromVisibleDevices(env.KTS_WORKLOAD_VISIBLE_DEVICES) ?? uuidFromVisibleDevices(env.NVIDIA_VISIBLE_DEVICES);
  if (cfg.dcgmTimeoutMs > cfg.dcgmIntervalMs) {
    throw new ConfigError(
      `invalid --dcgm-timeout-ms (KTS_DCGM_TIMEOUT_MS): ${cfg.dcgmTimeoutMs} is above --dcgm-interval-ms ${cfg.dcgmIntervalMs}`,
    );
  }
  const podName = env.POD_NAME ?? '';
  const podNamespace = env.POD_NAMESPACE ?? '';
  cfg.pod = podName !== '' && podNamespace !== '' ? { name: podName, namespace: podNamespace, uid: env.POD_UID || undefined } : undefined;
  const needsPod =
    cfg.source.find((s) => s.kind === 'k8s-logs' || s.kind === 'cri') ?? (cfg.baseline?.kind === 'configmap' ? cfg.baseline : undefined);
  if (needsPod !== undefined && cfg.pod === undefined) {
    const what = 'container' in needsPod ? `--source ${sourceName(needsPod)}` : '--baseline configmap:';
    throw new ConfigError(`invalid ${what}: POD_NAME and POD_NAMESPACE must be set (downward API) to know the sidecar's own pod`);
  }
  if (cfg.exitWith !== undefined && cfg.pod === undefined) {
    throw new ConfigError('invalid --exit-with (KTS_EXIT_WITH): POD_NAME and POD_NAMESPACE must be set (downward API)');
  }
  if (cfg.podSignals === 'true' && cfg.pod === undefined) {
    throw new ConfigError('invalid --pod-signals (KTS_POD_SIGNALS): POD_NAME and POD_NAMESPACE must be set (downward API)');
  }
  if (cfg.capture !== undefined && cfg.baseline === undefined) {
    throw new ConfigError('invalid --capture (KTS_CAPTURE): needs --baseline (KTS_BASELINE) to write the captured baseline to');
  }
  const prom = cfg.source.some((s) => s.kind === 'prom');
  if (prom && cfg.preset === undefined && cfg.promHistogram === undefined) {
    throw new ConfigError('invalid --source prom: (KTS_SOURCE): needs --preset (KTS_PRESET) or --prom-histogram (KTS_PROM_HISTOGRAM)');
  }
  if (prom && cfg.preset !== undefined && cfg.promHistogram !== undefined) {
    throw new ConfigError('invalid --prom-histogram (KTS_PROM_HISTOGRAM): give either --preset or --prom-histogram, not both');
  }
  // Left at its default, the scrape time limit follows a shorter interval (80 % of it).
  if (!explicit.includes('promTimeoutMs') && cfg.promTimeoutMs > cfg.promIntervalMs)
    cfg.promTimeoutMs = Math.max(50, Math.floor(cfg.promIntervalMs * 0.8));
  if (cfg.promTimeoutMs > cfg.promIntervalMs) {
    throw new ConfigError(
      `invalid --prom-timeout-ms (KTS_PROM_TIMEOUT_MS): ${cfg.promTimeoutMs} is above --prom-interval-ms ${cfg.promIntervalMs}`,
    );
  }
  if (cfg.dfCritical < cfg.dfWarning) {
    throw new ConfigError(`invalid --df-critical (KTS_DF_CRITICAL): ${cfg.dfCritical} is below --df-warning ${cfg.dfWarning}`);
  }
  return cfg;
}
