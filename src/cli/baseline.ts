/** Wires `kts baseline capture`: solo logs in, a stored baseline document out. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../io/inputs.js';
import { collectPhase } from '../report/collect.js';
import { type BaselineDocument, type BaselineProfile, makeProfile, mergeProfiles, parseBaselineDocument } from '../stats/baseline.js';
import { collect, nonNegativeInt } from './args.js';
import { RuntimeError, requireFlags, UsageError } from './errors.js';

interface CaptureFlags {
  from: string[];
  profile: string;
  out: string;
  warmup: number;
  gpuModel?: string;
  duration?: string;
  preset?: string;
  promHistogram?: string;
  promLabels?: string;
  promWorkload?: string;
  promIntervalMs?: string;
}

/** '300', '300s', '5m', '1h', '1500ms' as milliseconds; a bad one is a usage error naming --duration. */
export function durationMs(v: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(v.trim());
  const n =
    m === null
      ? Number.NaN
      : Number(m[1]) * ({ ms: 1, s: 1000, m: 60_000, h: 3_600_000 } as const)[(m[2] ?? 's') as 'ms' | 's' | 'm' | 'h'];
  if (!(n > 0)) throw new UsageError(`invalid --duration: '${v}' (e.g. 300, 5m, 1h)`);
  return n;
}

/** The prom: path: the workload's own histogram read live for --duration. */
async function capturePromProfiles(url: string, flags: CaptureFlags): Promise<BaselineProfile[]> {
  if (flags.duration === undefined) throw new UsageError('--from prom:<url> needs --duration (e.g. 5m)');
  const ms = durationMs(flags.duration);
  const { resolveConfig, ConfigError } = await import('../serve/config.js');
  let cfg: ReturnType<typeof resolveConfig>;
  try {
    cfg = resolveConfig(
      {
        source: [`prom:${url}`],
        dcgmUrl: 'none',
        ...(flags.preset !== undefined ? { preset: flags.preset } : {}),
        ...(flags.promHistogram !== undefined ? { promHistogram: flags.promHistogram } : {}),
        ...(flags.promLabels !== undefined ? { promLabels: flags.promLabels } : {}),
        ...(flags.promWorkload !== undefined ? { promWorkload: flags.promWorkload } : {}),
        ...(flags.promIntervalMs !== undefined ? { promIntervalMs: flags.promIntervalMs } : {}),
      },
      {},
    );
  } catch (err) {
    if (err instanceof ConfigError) throw new UsageError(err.message);
    throw err;
  }
  const { capturePromBaseline } = await import('../serve/prom-capture.js');
  const r = await capturePromBaseline(url, cfg, {
    durationMs: ms,
    profile: flags.profile,
    ...(flags.gpuModel !== undefined ? { gpuModel: flags.gpuModel } : {}),
  });
  if (r.profile === undefined) throw new RuntimeError(`no observations from prom:${url} in ${flags.duration}`);
  return [r.profile];
}

async function readExisting(path: string): Promise<BaselineDocument | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new UsageError(`${path} exists and is not valid JSON; refusing to overwrite it`);
  }
  const r = parseBaselineDocument(json);
  if (!r.ok) throw new UsageError(`${path} exists and is not a baseline document (${r.error}); refusing to overwrite it`);
  return r.doc;
}

export function registerBaseline(program: Command, print: (line: string) => void): void {
  const baseline = program.command('baseline').description('stored solo baselines');
  baseline
    .command('capture')
    .description('build a baseline profile per workload from solo logs (merged into --out when it exists)')
    .option(
      '--from <path...>',
      "solo-run logs: files or directories (required, repeatable); or prom:<url>, a workload's own histogram read for --duration",
      collect,
    )
    .option('--profile <name>', 'profile name stored with each workload (required)')
    .option('--out <file>', 'baseline JSON file to write (required)')
    .option('--warmup <n>', 'drop iterations below N (besides phase=warmup lines)', nonNegativeInt, 10)
    .option('--gpu-model <name>', 'GPU model recorded with the baseline')
    .option('--duration <time>', 'with --from prom:<url>: how long to read the histogram (e.g. 300, 5m)')
    .option('--preset <name>', 'with --from prom:<url>: the histogram, by server (as kts serve --preset)')
    .option('--prom-histogram <name>', 'with --from prom:<url>: any histogram by name')
    .option('--prom-labels <k=v,...>', 'with --from prom:<url>: only series with these labels')
    .option('--prom-workload <name>', 'with --from prom:<url>: the workload name to store it under')
    .option('--prom-interval-ms <ms>', 'with --from prom:<url>: scrape interval')
    .action(async (given: Partial<CaptureFlags>) => {
      const flags = { ...given, ...requireFlags(given, ['from', 'profile', 'out']), warmup: given.warmup ?? 10 };
      const prom = flags.from.find((f) => f.startsWith('prom:'));
      if (prom !== undefined) {
        if (flags.from.length > 1) throw new UsageError('--from prom:<url> captures one endpoint; give it alone');
        const existing = await readExisting(flags.out);
        const profiles = await capturePromProfiles(prom.slice('prom:'.length), flags);
        await writeFile(flags.out, `${JSON.stringify(mergeProfiles(existing, profiles), null, 2)}\n`);
        for (const p of profiles)
          print(
            `${p.profile}/${p.workload}: ${p.clocks.wall.count} observations, wall p99 ${p.clocks.wall.p99_ms} ms (bucket-interpolated)`,
          );
        print(`wrote ${flags.out}`);
        return;
      }
      let data: Awaited<ReturnType<typeof collectPhase>>;
      try {
        data = await collectPhase('baseline', flags.from, flags.warmup);
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(err.message);
        throw err;
      }
      if (data.engine.workloads.size === 0) {
        throw new RuntimeError(`no KTS_APP samples in ${data.files.join(', ')}`);
      }
      const existing = await readExisting(flags.out);
      const now = new Date();
      const profiles = [...data.engine.workloads.values()].map((w) =>
        makeProfile({
          profile: flags.profile,
          workload: w.workload,
          capturedAt: now,
          clocks: w.summaries('total', 0),
          source: data.files.join(','),
          ...(flags.gpuModel !== undefined ? { gpuModel: flags.gpuModel } : {}),
        }),
      );
      const doc: BaselineDocument = mergeProfiles(existing, profiles);
      await writeFile(flags.out, `${JSON.stringify(doc, null, 2)}\n`);
      for (const p of profiles) {
        print(
          `${p.profile}/${p.workload}: ${p.clocks.wall.count} samples, p99 ${p.clocks.device === undefined ? '' : `device ${p.clocks.device.p99_ms} ms, `}wall ${p.clocks.wall.p99_ms} ms`,
        );
      }
      print(`wrote ${flags.out}`);
    });
}
