/** Wires `kts baseline capture`: solo logs in, a stored baseline document out. */
import { readFile, writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { InputError } from '../io/inputs.js';
import { collectPhase } from '../report/collect.js';
import { type BaselineDocument, makeProfile, mergeProfiles, parseBaselineDocument } from '../stats/baseline.js';
import { collect, nonNegativeInt } from './args.js';
import { RuntimeError, requireFlags, UsageError } from './errors.js';

interface CaptureFlags {
  from: string[];
  profile: string;
  out: string;
  warmup: number;
  gpuModel?: string;
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
    .option('--from <path...>', 'solo-run logs: files or directories (required, repeatable)', collect)
    .option('--profile <name>', 'profile name stored with each workload (required)')
    .option('--out <file>', 'baseline JSON file to write (required)')
    .option('--warmup <n>', 'drop iterations below N (besides phase=warmup lines)', nonNegativeInt, 10)
    .option('--gpu-model <name>', 'GPU model recorded with the baseline')
    .action(async (given: Partial<CaptureFlags>) => {
      const flags = { ...given, ...requireFlags(given, ['from', 'profile', 'out']), warmup: given.warmup ?? 10 };
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
