/** `kts report`: recorded solo and shared logs in, summary files, results.md and plots out. */
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { collectPhase } from './collect.js';
import { costRows } from './cost.js';
import { statsCsv } from './csv.js';
import { joinDcgm, loadDcgmRecords, pickGpu } from './dcgm.js';
import { resultsMarkdown } from './markdown.js';
import { buildModel, buildSummary, type ReportModel, type SummaryDocument } from './summary.js';

export const REPORT_FORMATS = ['json', 'csv', 'md', 'svg'] as const;
export type ReportFormat = (typeof REPORT_FORMATS)[number];

export interface ReportOptions {
  baseline: readonly string[];
  shared: readonly string[];
  outDir: string;
  warmupIterations: number;
  formats: ReadonlySet<ReportFormat>;
  now?: Date;
  /** `kts dcgm record` output to join per iteration, and the GPU to join against. */
  dcgm?: { file: string; gpuUuid?: string };
  /** GPU time per workload (summary.cost, results.md), priced when a price is given. */
  cost?: { pricePerGpuHour?: number };
}

export interface ReportResult {
  summary: SummaryDocument;
  model: ReportModel;
  written: string[];
}

/** Thrown when the inputs hold nothing to report on. */
export class NoSamplesError extends Error {}

export async function runReport(opts: ReportOptions): Promise<ReportResult> {
  const baseline = await collectPhase('baseline', opts.baseline, opts.warmupIterations);
  const shared = await collectPhase('shared', opts.shared, opts.warmupIterations);
  for (const p of [baseline, shared]) {
    if (p.engine.workloads.size === 0) {
      const c = p.counters;
      throw new NoSamplesError(
        `no KTS_APP samples in the ${p.phase} input (${p.files.join(', ') || 'no files'}): ` +
          `${c.parsed} parsed, ${c.ignored} other lines, ${c.malformed} malformed, ${p.engine.warmupSkipped} warmup`,
      );
    }
  }
  const now = opts.now ?? new Date();
  const model = buildModel(baseline, shared);
  const summary = buildSummary(model, baseline, shared, opts.warmupIterations, now);
  if (opts.dcgm !== undefined) {
    const records = await loadDcgmRecords(opts.dcgm.file);
    summary.dcgm = joinDcgm([baseline, shared], records, pickGpu(records, opts.dcgm.gpuUuid));
  }
  if (opts.cost !== undefined) summary.cost = costRows([baseline, shared], opts.cost.pricePerGpuHour);
  await mkdir(opts.outDir, { recursive: true });
  const written: string[] = [];
  const put = async (name: string, body: string): Promise<void> => {
    const path = join(opts.outDir, name);
    await writeFile(path, body);
    written.push(path);
  };
  // Vega is loaded only when plots are asked for: it is most of the CLI's start-up time.
  const vega = opts.formats.has('svg') ? await import('./plots.js') : undefined;
  const plots = vega?.plotSpecs(baseline, shared) ?? [];
  if (opts.formats.has('json')) await put('summary.json', `${JSON.stringify(summary, null, 2)}\n`);
  if (opts.formats.has('csv')) await put('summary.csv', statsCsv(summary.stats));
  for (const p of plots) await put(p.file, await (vega as NonNullable<typeof vega>).renderSvg(p.spec));
  if (opts.formats.has('md')) {
    await put(
      'results.md',
      resultsMarkdown(model, {
        warmupIterations: opts.warmupIterations,
        generatedAt: now,
        plots: plots.map((p) => p.file),
        ...(summary.dcgm !== undefined ? { dcgm: summary.dcgm } : {}),
        ...(summary.cost !== undefined ? { cost: { rows: summary.cost, pricePerGpuHour: opts.cost?.pricePerGpuHour } } : {}),
      }),
    );
  }
  return { summary, model, written };
}
