/**
 * `kts guard`'s configuration: flags, else `KTS_GUARD_*` variables, else defaults; validated at
 * start-up, a bad value reported as one line naming the flag.
 */
import { hostname } from 'node:os';
import * as z from 'zod/mini';
import '../io/zod-locale.js';
import { listenSchema } from '../serve/config.js';

export interface GuardConfig {
  listen: { host: string; port: number };
  intervalMs: number;
  activeWindowMs: number;
  clock: 'wall' | 'device';
  dryRun: boolean;
  evict: boolean;
  evictAfterMs: number;
  probeTimeoutMs: number;
  leaderElection: boolean;
  lease: { namespace: string; name: string; identity: string; durationSeconds: number };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug';
}

export interface GuardFlag {
  key: string;
  flag: string;
  env: string;
  description: string;
  default: string;
  boolean?: true;
}

export const GUARD_OPTIONS: readonly GuardFlag[] = [
  {
    key: 'listen',
    flag: '--listen <[host]:port>',
    env: 'KTS_GUARD_LISTEN',
    description: 'HTTP address for /metrics, /livez, /readyz',
    default: ':9465',
  },
  { key: 'intervalMs', flag: '--interval-ms <ms>', env: 'KTS_GUARD_INTERVAL_MS', description: 'reconcile period', default: '5000' },
  {
    key: 'activeWindowMs',
    flag: '--active-window-ms <ms>',
    env: 'KTS_GUARD_ACTIVE_WINDOW_MS',
    description: 'a gold workload is active while its newest sample is younger than this',
    default: '30000',
  },
  {
    key: 'clock',
    flag: '--clock <clock>',
    env: 'KTS_GUARD_CLOCK',
    description: 'clock whose DF decides eviction: wall or device',
    default: 'wall',
  },
  {
    key: 'dryRun',
    flag: '--dry-run',
    env: 'KTS_GUARD_DRY_RUN',
    description: 'only log and count what would be done',
    default: 'false',
    boolean: true,
  },
  {
    key: 'evict',
    flag: '--evict',
    env: 'KTS_GUARD_EVICT',
    description: 'evict the newest elastic pod on the GPU of a gold pod whose DF stays above critical (off by default)',
    default: 'false',
    boolean: true,
  },
  {
    key: 'evictAfterMs',
    flag: '--evict-after-ms <ms>',
    env: 'KTS_GUARD_EVICT_AFTER_MS',
    description: 'how long the gold tail must stay above critical before an eviction, and the pause between two',
    default: '120000',
  },
  {
    key: 'probeTimeoutMs',
    flag: '--probe-timeout-ms <ms>',
    env: 'KTS_GUARD_PROBE_TIMEOUT_MS',
    description: 'timeout reading a sidecar',
    default: '2000',
  },
  {
    key: 'leaderElection',
    flag: '--leader-election <bool>',
    env: 'KTS_GUARD_LEADER_ELECTION',
    description: 'hold a Lease before acting (true with more than one replica)',
    default: 'true',
  },
  { key: 'leaseName', flag: '--lease-name <name>', env: 'KTS_GUARD_LEASE_NAME', description: 'the Lease', default: 'kts-guard' },
  {
    key: 'leaseNamespace',
    flag: '--lease-namespace <ns>',
    env: 'KTS_GUARD_LEASE_NAMESPACE',
    description: 'namespace of the Lease (default: POD_NAMESPACE, else kts-system)',
    default: '',
  },
  {
    key: 'identity',
    flag: '--identity <id>',
    env: 'KTS_GUARD_IDENTITY',
    description: 'this replica in the Lease (default: POD_NAME, else the host name)',
    default: '',
  },
  { key: 'logLevel', flag: '--log-level <level>', env: 'KTS_LOG_LEVEL', description: 'fatal, error, warn, info, debug', default: 'info' },
];

export class GuardConfigError extends Error {}

const ms = (min: number) =>
  z.pipe(z.pipe(z.string().check(z.regex(/^\d+$/, 'expected an integer (milliseconds)')), z.transform(Number)), z.int().check(z.gte(min)));
const bool = z.pipe(
  z.enum(['true', 'false']),
  z.transform((v) => v === 'true'),
);
const DNS = /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/;

const SCHEMAS: Record<string, z.ZodMiniType> = {
  listen: listenSchema,
  intervalMs: ms(100),
  activeWindowMs: ms(1000),
  clock: z.enum(['wall', 'device']),
  dryRun: bool,
  evict: bool,
  evictAfterMs: ms(0),
  probeTimeoutMs: ms(100),
  leaderElection: bool,
  leaseName: z.string().check(z.regex(DNS, 'expected a DNS name')),
  leaseNamespace: z.string().check(z.regex(/^$|^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, 'expected a namespace name')),
  identity: z.string().check(z.maxLength(253)),
  logLevel: z.enum(['fatal', 'error', 'warn', 'info', 'debug']),
};

export function resolveGuardConfig(flags: Record<string, unknown>, env: NodeJS.ProcessEnv): GuardConfig {
  const v: Record<string, unknown> = {};
  for (const o of GUARD_OPTIONS) {
    const fromFlag = flags[o.key];
    const fromEnv = env[o.env];
    const raw = fromFlag !== undefined ? String(fromFlag) : fromEnv !== undefined && fromEnv !== '' ? fromEnv : o.default;
    const r = (SCHEMAS[o.key] as z.ZodMiniType).safeParse(raw);
    if (!r.success)
      throw new GuardConfigError(`invalid ${o.flag.split(' ')[0]} (${o.env}): ${r.error.issues[0]?.message ?? 'bad value'} (got '${raw}')`);
    v[o.key] = r.data;
  }
  if ((v.evictAfterMs as number) < (v.intervalMs as number) && v.evict === true)
    throw new GuardConfigError(
      `invalid --evict-after-ms (KTS_GUARD_EVICT_AFTER_MS): ${v.evictAfterMs} is shorter than --interval-ms ${v.intervalMs}`,
    );
  return {
    listen: v.listen as GuardConfig['listen'],
    intervalMs: v.intervalMs as number,
    activeWindowMs: v.activeWindowMs as number,
    clock: v.clock as GuardConfig['clock'],
    dryRun: v.dryRun as boolean,
    evict: v.evict as boolean,
    evictAfterMs: v.evictAfterMs as number,
    probeTimeoutMs: v.probeTimeoutMs as number,
    leaderElection: v.leaderElection as boolean,
    lease: {
      name: v.leaseName as string,
      namespace: (v.leaseNamespace as string) || env.POD_NAMESPACE || 'kts-system',
      identity: (v.identity as string) || env.POD_NAME || hostname(),
      // Renewed every pass: the Lease outlives three missed passes, at least 15 s.
      durationSeconds: Math.max(15, Math.ceil((3 * (v.intervalMs as number)) / 1000)),
    },
    logLevel: v.logLevel as GuardConfig['logLevel'],
  };
}
