/** Wires `kts experiment report`: a workers/experiment.py run folder in, a results page out. */
import type { Command } from 'commander';
import { InputError } from '../io/inputs.js';
import { DcgmInputError } from '../report/dcgm.js';
import { experimentReport } from '../report/experiment.js';
import { NoSamplesError } from '../report/index.js';
import { nonNegativeInt } from './args.js';
import { RuntimeError, requireFlags, UsageError } from './errors.js';

interface ExperimentFlags {
  in: string;
  out: string;
  warmup: number;
  plots: boolean;
  agentRun: string;
}

export function registerExperiment(program: Command, print: (line: string) => void): void {
  const experiment = program.command('experiment').description('runs of workers/experiment.py (solo, pair, N-tenant matrix, MPS, live)');
  experiment
    .command('report')
    .description('the results page of a run folder: every comparison through `kts report`, gathered into one markdown page')
    .option('--in <dir>', 'folder written by workers/experiment.py (required)')
    .option('--out <file.md>', 'results page to write; per-comparison reports go to the folder of the same name (required)')
    .option('--warmup <n>', 'drop iterations below N (besides phase=warmup lines)', nonNegativeInt, 10)
    .option('--no-plots', 'skip the SVG plots')
    .option('--agent-run <dir>', 'a folder of the agent-plus-trainer scenario (--scenarios agent), reported in its own section')
    .action(async (given: Partial<ExperimentFlags>) => {
      const flags = requireFlags(given, ['in', 'out']);
      if (!flags.out.endsWith('.md')) throw new UsageError(`--out must name a .md file: ${flags.out}`);
      try {
        const r = await experimentReport({
          runDir: flags.in,
          outFile: flags.out,
          warmupIterations: given.warmup ?? 10,
          plots: given.plots ?? true,
          ...(given.agentRun !== undefined ? { agentRunDir: given.agentRun } : {}),
        });
        print(`${r.reports.size} comparisons, ${r.live.length} live runs; wrote ${r.written.length} files (${flags.out})`);
      } catch (err) {
        if (err instanceof InputError || err instanceof DcgmInputError) throw new UsageError(err.message);
        if (err instanceof NoSamplesError) throw new RuntimeError(err.message);
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new UsageError((err as Error).message);
        throw err;
      }
    });
}
