/**
 * Stored solo baselines (interfaces.md section 4): the model and its validation. Reading
 * and writing files or ConfigMaps is the adapters' job.
 */
import * as z from 'zod/mini';
import '../io/zod-locale.js';
import type { Clock } from './clocks.js';
import type { LatencySummary } from './summary.js';

const positive = z.number().check(z.nonnegative());

const clockBaselineSchema = z.object({
  p50_ms: positive,
  p95_ms: positive,
  p99_ms: positive,
  p999_ms: positive,
  mean_ms: positive,
  count: z.int().check(z.nonnegative()),
});

/**
 * The device and wall p99 are the DF's denominators: zero (an all-zero baseline) would make
 * every DF undefined and its series vanish, so such a baseline is refused with its field named.
 */
const dfClockSchema = clockBaselineSchema.check(
  z.refine((c) => c.p99_ms > 0, {
    message: 'p99_ms must be above 0 (a DF against a zero baseline is undefined)',
    path: ['p99_ms'],
  }),
);

const profileSchema = z.object({
  profile: z.string().check(z.minLength(1)),
  workload: z.string().check(z.minLength(1)),
  captured_at: z.string(),
  gpu_model: z.optional(z.string()),
  source: z.optional(z.string()),
  clocks: z.object({
    /** Absent when the workload has only a wall clock (captured from a prom: source). */
    device: z.optional(dfClockSchema),
    wall: dfClockSchema,
    queue: z.optional(clockBaselineSchema),
  }),
});

const documentSchema = z.object({
  version: z.optional(z.literal(1)),
  profiles: z.array(profileSchema).check(z.minLength(1)),
});

export type ClockBaseline = z.infer<typeof clockBaselineSchema>;
export type BaselineProfile = z.infer<typeof profileSchema>;
export type BaselineDocument = z.infer<typeof documentSchema>;

export function clockBaselineFromSummary(s: LatencySummary): ClockBaseline {
  const r = (v: number): number => (Number.isFinite(v) ? Math.round(v * 1e6) / 1e6 : 0);
  return {
    p50_ms: r(s.p50Ms),
    p95_ms: r(s.p95Ms),
    p99_ms: r(s.p99Ms),
    p999_ms: r(s.p999Ms),
    mean_ms: r(s.meanMs),
    count: s.count,
  };
}

export function makeProfile(args: {
  profile: string;
  workload: string;
  capturedAt: Date;
  clocks: Record<Clock, LatencySummary>;
  gpuModel?: string;
  source?: string;
  /** Only the wall clock exists (a prom: source): device and queue are left out. */
  wallOnly?: boolean;
}): BaselineProfile {
  const wall = clockBaselineFromSummary(args.clocks.wall);
  return {
    profile: args.profile,
    workload: args.workload,
    captured_at: args.capturedAt.toISOString(),
    ...(args.gpuModel !== undefined ? { gpu_model: args.gpuModel } : {}),
    ...(args.source !== undefined ? { source: args.source } : {}),
    clocks:
      args.wallOnly === true
        ? { wall }
        : { device: clockBaselineFromSummary(args.clocks.device), wall, queue: clockBaselineFromSummary(args.clocks.queue) },
  };
}

/** Validates a parsed JSON baseline document; a single profile object is accepted too. */
export function parseBaselineDocument(input: unknown): { ok: true; doc: BaselineDocument } | { ok: false; error: string } {
  const candidate =
    typeof input === 'object' && input !== null && !Array.isArray(input) && !('profiles' in input) ? { profiles: [input] } : input;
  const r = documentSchema.safeParse(candidate);
  if (r.success) return { ok: true, doc: r.data };
  const issue = r.error.issues[0];
  const where = issue === undefined || issue.path.length === 0 ? '(document)' : issue.path.join('.');
  return { ok: false, error: `${where}: ${issue?.message ?? 'invalid baseline'}` };
}

/**
 * Picks the profile for a workload: the named profile when given (matching workload first),
 * else the first profile whose workload matches.
 */
export function selectProfile(doc: BaselineDocument, workload: string, profile?: string): BaselineProfile | undefined {
  if (profile !== undefined) {
    const named = doc.profiles.filter((p) => p.profile === profile);
    return named.find((p) => p.workload === workload) ?? (named.length === 1 ? named[0] : undefined);
  }
  return doc.profiles.find((p) => p.workload === workload);
}

/** Adds profiles to a document, replacing any with the same profile and workload. */
export function mergeProfiles(existing: BaselineDocument | undefined, added: readonly BaselineProfile[]): BaselineDocument {
  const kept = (existing?.profiles ?? []).filter((p) => !added.some((n) => n.profile === p.profile && n.workload === p.workload));
  return { version: 1, profiles: [...kept, ...added] };
}
