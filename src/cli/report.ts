/** Wires `kts report` to the report module. */
import { type Command, Option } from 'commander';
import { InputError } from '../io/inputs.js';
import { DcgmInputError } from '../report/dcgm.js';
import { NoSamplesError, REPORT_FORMATS, type ReportFormat, runReport } from '../report/index.js';
import { listOf, nonNegativeInt, positiveNumber } from './args.js';
import { RuntimeError, requireFlags, UsageError } from './errors.js';

interface ReportFlags {
  baseline: string[];
  shared: string[];
  out: string;
  warmup: number;
  format: Set<ReportFormat>;
  dcgm?: string;
  gpuUuid?: string;
  cost?: boolean;
  pricePerGpuHour?: number;
}

export function registerReport(program: Command, print: (line: string) => void): void {
  program
    .command('report')
    .description('analyse recorded solo (baseline) and shared logs: summary.json/csv, results.md, SVG plots')
    .option('--baseline <path...>', 'solo-run logs: files or directories (required)')
    .option('--shared <path...>', 'shared-run logs: files or directories (required)')
    .option('--out <dir>', 'output directory (required)')
    .option('--warmup <n>', 'drop iterations below N (besides phase=warmup lines)', nonNegativeInt, 10)
    .option('--dcgm <file>', 'kts dcgm record output: join GPU counters to every iteration (results.md, summary.json)')
    .option('--gpu-uuid <uuid>', 'GPU of the dcgm records to join against (needed when they hold several)')
    .option('--cost', 'GPU time (wall: held, device: kernels) per workload in summary.json and results.md')
    .option('--price-per-gpu-hour <price>', 'price one GPU-hour for --cost', positiveNumber)
    .addOption(
      new Option('--format <list>', `outputs to write, any of ${REPORT_FORMATS.join(',')}`)
        .argParser(listOf(REPORT_FORMATS))
        .default(new Set(REPORT_FORMATS), REPORT_FORMATS.join(',')),
    )
    .action(async (flags: Partial<ReportFlags>) => {
      const { baseline, shared, out } = requireFlags(flags, ['baseline', 'shared', 'out']);
      try {
        const r = await runReport({
          baseline,
          shared,
          outDir: out,
          warmupIterations: flags.warmup ?? 10,
          formats: flags.format ?? new Set(REPORT_FORMATS),
          ...(flags.dcgm !== undefined
            ? { dcgm: { file: flags.dcgm, ...(flags.gpuUuid !== undefined ? { gpuUuid: flags.gpuUuid } : {}) } }
            : {}),
          ...(flags.cost === true || flags.pricePerGpuHour !== undefined
            ? { cost: flags.pricePerGpuHour !== undefined ? { pricePerGpuHour: flags.pricePerGpuHour } : {} }
            : {}),
        });
        print('workload  clock   p99 solo ms  p99 shared ms  DF p99');
        for (const [name, d] of r.model.degradation) {
          for (const clock of ['device', 'wall', 'queue'] as const) {
            const solo = r.model.baseline.get(name)?.[clock].p99Ms ?? Number.NaN;
            const shared = r.model.shared.get(name)?.[clock].p99Ms ?? Number.NaN;
            print(
              `${name.padEnd(9)} ${clock.padEnd(7)} ${solo.toFixed(3).padStart(11)}  ${shared.toFixed(3).padStart(13)}  ${d[clock].dfP99.toFixed(3).padStart(6)}`,
            );
          }
        }
        print(`wrote ${r.written.length} files to ${out}`);
      } catch (err) {
        if (err instanceof InputError) throw new UsageError(err.message);
        if (err instanceof NoSamplesError) throw new RuntimeError(err.message);
        if (err instanceof DcgmInputError) throw new UsageError(err.message);
        throw err;
      }
    });
}
