/**
 * `kts experiment report`: the results page of a workers/experiment.py run. Every comparison
 * (the seed's pair, the N-tenant matrix, MPS, the live run) goes through `kts report` into its
 * own folder beside the page; the page gathers the degradation factors per clock, the matrix,
 * MPS against time-slicing and the live sidecar's figures. Dated by the recording, not by the
 * day it is regenerated, so the committed page regenerates byte for byte.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import type { Clock } from '../stats/clocks.js';
import { type AgentRunFigures, agentRunMarkdown, analyseAgentRun } from './agent-run.js';
import { dcgmMarkdown } from './dcgm.js';
import { type DetectionReplay, replayDetection } from './detection.js';
import { type ReportFormat, type ReportResult, runReport } from './index.js';
import { analyseLiveRun, type LiveRunFigures, parseTimeline } from './live-run.js';
import { VISIBLE_DF } from './markdown.js';

export interface Comparison {
  id: string;
  title: string;
  /** File names in the run folder, or prefixes ending in '-' (every `<prefix>*.log`). */
  baseline: string[];
  shared: string[];
  plots: boolean;
  dcgm: boolean;
}

export const COMPARISONS: readonly Comparison[] = [
  {
    id: 'pair',
    title: 'FFT + 1 GEMM, time-sliced (the seed pair)',
    baseline: ['solo-fft.log', 'solo-gemm.log'],
    shared: ['shared-'],
    plots: true,
    dcgm: true,
  },
  { id: 'n2', title: 'FFT + 2 GEMM, time-sliced', baseline: ['solo-fft.log', 'solo-gemm.log'], shared: ['n2-'], plots: false, dcgm: true },
  { id: 'n3', title: 'FFT + 3 GEMM, time-sliced', baseline: ['solo-fft.log', 'solo-gemm.log'], shared: ['n3-'], plots: false, dcgm: true },
  {
    id: 'mps',
    title: 'FFT + 1 GEMM under MPS (against solo under MPS)',
    baseline: ['mps-solo-fft.log', 'mps-solo-gemm.log'],
    shared: ['mps-shared-'],
    plots: true,
    dcgm: true,
  },
  {
    id: 'mps-vs-plain-solo',
    title: 'FFT + 1 GEMM under MPS (against the plain solo runs)',
    baseline: ['solo-fft.log', 'solo-gemm.log'],
    shared: ['mps-shared-'],
    plots: false,
    dcgm: false,
  },
  {
    id: 'live',
    title: 'the live run (FFT alone, then a GEMM joins)',
    baseline: ['solo-fft.log', 'solo-gemm.log'],
    shared: ['live-'],
    plots: false,
    dcgm: false,
  },
  {
    id: 'live3',
    title: 'the live run with 3 GEMM co-tenants joining (another H100 machine, against its own solo runs)',
    baseline: ['live3-solo-fft.log', 'live3-solo-gemm.log'],
    shared: ['live3-fft.log', 'live3-gemm-'],
    plots: false,
    dcgm: false,
  },
];

export interface ExperimentOptions {
  runDir: string;
  /** The page; per-comparison reports go to the folder of the same name without `.md`. */
  outFile: string;
  warmupIterations: number;
  plots: boolean;
  /** A folder of the agent-plus-trainer scenario, reported in its own section. */
  agentRunDir?: string;
}

export interface ExperimentResult {
  reports: Map<string, ReportResult>;
  live: LiveRunFigures[];
  /** The contention detector replayed over each comparison's FFT log. */
  detection: Map<string, DetectionReplay>;
  page: string;
  written: string[];
}

async function resolveFiles(dir: string, names: readonly string[], all: readonly string[]): Promise<string[]> {
  const out: string[] = [];
  for (const n of names) {
    const hits = n.endsWith('-') ? all.filter((f) => f.startsWith(n) && f.endsWith('.log')).sort() : all.includes(n) ? [n] : [];
    out.push(...hits.map((f) => join(dir, f)));
  }
  return out;
}

const f3 = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(3));
const pct = (v: number | null): string => (v === null ? '–' : `${(v * 100).toFixed(2)} %`);
const f2 = (v: number | null | undefined): string => (v === null || v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(2));

function df(r: ReportResult | undefined, workload: string, clock: Clock, q: 'dfP99' | 'dfP50' = 'dfP99'): number | undefined {
  return r?.model.degradation.get(workload)?.[clock][q];
}

function p99(r: ReportResult | undefined, phase: 'baseline' | 'shared', workload: string, clock: Clock): number | undefined {
  return r?.model[phase].get(workload)?.[clock].p99Ms;
}

function gpuLine(smi: string): string {
  const model = /\|\s+\d+\s+(NVIDIA [^|]*?)\s{2,}/.exec(smi)?.[1]?.trim();
  const driver = /Driver Version:\s*([\d.]+)/.exec(smi)?.[1];
  const cuda = /CUDA Version:\s*([\d.]+)/.exec(smi)?.[1];
  return [model ?? 'GPU not recorded', driver ? `driver ${driver}` : '', cuda ? `CUDA ${cuda}` : ''].filter((s) => s !== '').join(', ');
}

function livePage(l: LiveRunFigures): string[] {
  const c = (x: { after_s: number; samples: number } | null): string =>
    x === null ? 'never' : `${x.after_s.toFixed(2)} s (${x.samples} iterations)`;
  const mb = (b: number | null): string => (b === null ? '–' : `${(b / 2 ** 20).toFixed(1)} MiB`);
  const who = l.cotenants === 1 ? 'a GEMM co-tenant' : `${l.cotenants} GEMM co-tenants`;
  return [
    `### ${l.cotenants === 1 ? '1 GEMM co-tenant' : `${l.cotenants} GEMM co-tenants`} (${l.run}-* files)`,
    '',
    `\`kts serve\` tailed the FFT worker's log (file source) with the baseline captured from the solo runs by \`kts baseline capture\`, ` +
      'correlating with the NVML lab exporter (dcgm-exporter names, one series per CUDA process as a pod) every second. ' +
      `The FFT ran alone for ${l.solo_s} s (${l.samples_alone} iterations), then ${who} started and ran for the remaining ${l.shared_s} s ` +
      `(${l.samples_shared} iterations). /metrics was scraped every 0.25 s. Times below are after the co-tenants' start.`,
    '',
    '| signal | device clock | wall clock |',
    '|---|---|---|',
    `| DF p99 (1m window) ≥ ${l.thresholds.warning} (warning) | ${c(l.df_1m.device.warning)} | ${c(l.df_1m.wall.warning)} |`,
    `| DF p99 (1m window) ≥ ${l.thresholds.critical} (critical) | ${c(l.df_1m.device.critical)} | ${c(l.df_1m.wall.critical)} |`,
    `| DF p99 (1m window) at the end | ${f3(l.df_1m.device.last)} | ${f3(l.df_1m.wall.last)} |`,
    `| kts_contention_detected = 1 | ${c(l.detected.device)} | ${c(l.detected.wall)} |`,
    '',
    `- Share of iterations above the solo wall p99 (${f3(l.wall_exceedance.baseline_p99_ms)} ms): ${pct(l.wall_exceedance.alone)} alone, ${pct(l.wall_exceedance.shared)} shared (1 % expected without contention).`,
    `- The GPU side saw a co-tenant (kts_gpu_pods_sharing >= 2) after ${c(l.pods_sharing_seen)}: the GEMM process needs its CUDA context before NVML lists it.`,
    `- Wall p99 split by co-tenancy, as the sidecar attributed each iteration to the dcgm sample covering it: alone ${f3(l.tenancy.alone_p99_ms)} ms ` +
      `(${l.tenancy.alone_n ?? '–'} iterations), shared ${f3(l.tenancy.shared_p99_ms)} ms (${l.tenancy.shared_n ?? '–'}). ` +
      `Rank correlation of wall latency with SM activity: ${f2(l.sm_active_correlation)} (the stand-in's SM activity is NVML's coarse utilisation).`,
    `- The sidecar (Node 24, \`NODE_OPTIONS="--max-semi-space-size=1 --max-old-space-size=48"\`): ${f2(l.sidecar.cpu_s)} s of CPU over the run ` +
      `(${l.sidecar.cpu_share === null ? '–' : `${(l.sidecar.cpu_share * 100).toFixed(1)} %`} of one core, scrapes and dcgm included), peak RSS ${mb(l.sidecar.rss_peak_bytes)}.`,
    `- /metrics answered ${l.scrapes.count} scrapes, median ${f2(l.scrapes.p50_ms)} ms and slowest ${f2(l.scrapes.max_ms)} ms, measured by the scraping Python client.`,
    ...(l.detected.wall !== null || l.detected.device !== null
      ? []
      : [
          '',
          "The sidecar's contention detector of that day (Bernoulli CUSUM tests on the device and wall clocks only, set for one false alarm in " +
            `10,000 samples) did not fire in this run: the share of FFT iterations above the solo wall p99 (${f3(l.wall_exceedance.baseline_p99_ms)} ms) ` +
            `was ${pct(l.wall_exceedance.alone)} while alone and ${pct(l.wall_exceedance.shared)} while shared, a shift from the expected 1 % ` +
            'that takes thousands of samples to tell from chance at that false-alarm rate. ' +
            'The queueing clock carries the signal instead: the replay of this log through the current detector (below) fires on it.',
        ]),
    '',
  ];
}

export async function experimentReport(opts: ExperimentOptions): Promise<ExperimentResult> {
  const all = (await readdir(opts.runDir)).sort();
  const assets = join(dirname(opts.outFile), basename(opts.outFile, '.md'));
  const timeline = all.includes('timeline.jsonl') ? parseTimeline(await readFile(join(opts.runDir, 'timeline.jsonl'), 'utf8')) : [];
  const firstNs = timeline.reduce<bigint | undefined>((m, e) => (m === undefined || e.t_ns < m ? e.t_ns : m), undefined);
  const recorded = firstNs === undefined ? new Date(0) : new Date(Number(firstNs / 1_000_000n));
  const dcgmFile = all.includes('dcgm.jsonl') ? join(opts.runDir, 'dcgm.jsonl') : undefined;
  const reports = new Map<string, ReportResult>();
  const detection = new Map<string, DetectionReplay>();
  const written: string[] = [];
  for (const c of COMPARISONS) {
    const baseline = await resolveFiles(opts.runDir, c.baseline, all);
    const shared = await resolveFiles(opts.runDir, c.shared, all);
    if (baseline.length === 0 || shared.length === 0) continue;
    const formats = new Set<ReportFormat>(['json', 'md', ...(c.plots && opts.plots ? (['svg'] as const) : [])]);
    const r = await runReport({
      baseline,
      shared,
      outDir: join(assets, c.id),
      warmupIterations: opts.warmupIterations,
      formats,
      now: recorded,
      ...(c.dcgm && dcgmFile !== undefined ? { dcgm: { file: dcgmFile } } : {}),
    });
    reports.set(c.id, r);
    written.push(...r.written);
    // The live detector over the same FFT logs.
    const fft = (files: string[]) => files.filter((f) => f.endsWith('fft.log'));
    if (fft(baseline).length > 0 && fft(shared).length > 0)
      detection.set(c.id, await replayDetection(fft(baseline), fft(shared), 'FFT', opts.warmupIterations));
  }
  const live: LiveRunFigures[] = [];
  for (const f of all.filter((x) => /^live\d*-metrics\.jsonl$/.test(x)))
    live.push(await analyseLiveRun(opts.runDir, f.replace('-metrics.jsonl', '')));
  const agent = opts.agentRunDir === undefined ? undefined : await analyseAgentRun(opts.agentRunDir, opts.warmupIterations);
  const smi = all.includes('nvidia-smi.txt') ? await readFile(join(opts.runDir, 'nvidia-smi.txt'), 'utf8') : '';
  const page = experimentMarkdown({
    reports,
    live,
    detection,
    ...(agent !== undefined && opts.agentRunDir !== undefined ? { agent: { figures: agent, dir: opts.agentRunDir } } : {}),
    gpu: gpuLine(smi),
    recorded,
    runDir: opts.runDir,
    outFile: opts.outFile,
    assets,
    plots: opts.plots,
  });
  await writeFile(opts.outFile, page);
  written.push(opts.outFile);
  return { reports, live, detection, page, written };
}

interface PageInput {
  reports: Map<string, ReportResult>;
  live: LiveRunFigures[];
  detection: Map<string, DetectionReplay>;
  agent?: { figures: AgentRunFigures; dir: string };
  gpu: string;
  recorded: Date;
  runDir: string;
  outFile: string;
  assets: string;
  plots: boolean;
}

function experimentMarkdown(p: PageInput): string {
  const rel = (to: string): string => relative(dirname(p.outFile), to).split('\\').join('/');
  const r = (id: string) => p.reports.get(id);
  const out: string[] = [
    '# Results: what GPU time-slicing does to a latency-sensitive workload, on an H100',
    '',
    `Recorded ${p.recorded.toISOString().slice(0, 10)} on ${p.gpu} by \`workers/experiment.py\`; logs in \`${rel(p.runDir)}\`. ` +
      `Regenerate this page with \`npm run results\`. Every figure is computed by \`kts report\` from those logs; each comparison's ` +
      `own results.md and summary.json are in [${rel(p.assets)}/](${rel(p.assets)}/).`,
    '',
    "The workloads are the seed experiment's: **FFT** (fft2 of a 4096² complex64 tensor every 100 ms, the latency-sensitive one) " +
      'and **GEMM** (4096² fp32 matmul every 150 ms, the batch co-tenant), each one CUDA process on the same GPU. **Device** clock: ' +
      'CUDA events around the kernel. **Wall** clock: the host span from launch to synchronize. **Queueing**: wall minus device. ' +
      'DF (degradation factor) = shared p99 / solo p99, same workload and clock. The first 10 iterations are dropped.',
    '',
    '## Degradation factor per clock',
    '',
    '| comparison | FFT DF p99 device | FFT DF p99 wall | FFT DF p99 queueing | FFT DF p50 wall | GEMM DF p99 device | GEMM DF p99 wall |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const c of COMPARISONS) {
    const rep = r(c.id);
    if (rep === undefined) continue;
    out.push(
      `| [${c.title}](${rel(join(p.assets, c.id, 'results.md'))}) | ${f3(df(rep, 'FFT', 'device'))} | ${f3(df(rep, 'FFT', 'wall'))} | ` +
        `${f3(df(rep, 'FFT', 'queue'))} | ${f3(df(rep, 'FFT', 'wall', 'dfP50'))} | ${f3(df(rep, 'GEMM', 'device'))} | ${f3(df(rep, 'GEMM', 'wall'))} |`,
    );
  }
  const pair = r('pair');
  const fftDevice = df(pair, 'FFT', 'device') ?? Number.NaN;
  const fftWall = df(pair, 'FFT', 'wall') ?? Number.NaN;
  if (pair !== undefined && fftDevice < VISIBLE_DF && fftWall >= VISIBLE_DF) {
    out.push(
      '',
      `Under time-slicing the FFT's device-clock p99 does not grow (DF ${f3(df(pair, 'FFT', 'device'))}): once its kernel runs, it has the GPU. ` +
        `The time is lost before the kernel starts, waiting for the co-tenant's time slice: the wall-clock p99 grows ${f2(df(pair, 'FFT', 'wall'))}× ` +
        `(${f3(p99(pair, 'baseline', 'FFT', 'wall'))} → ${f3(p99(pair, 'shared', 'FFT', 'wall'))} ms) and the queueing delay p99 ` +
        `${f2(df(pair, 'FFT', 'queue'))}×, while the median barely moves (wall DF p50 ${f3(df(pair, 'FFT', 'wall', 'dfP50'))}). ` +
        'A device-clock dashboard would report this GPU as healthy.',
    );
  }
  out.push(
    '',
    '## N-tenant matrix: the FFT against 0 to 3 GEMM co-tenants',
    '',
    '| GEMM co-tenants | FFT p99 device (ms) | FFT p99 wall (ms) | DF p99 device | DF p99 wall | DF p99 queueing | DF p50 wall |',
    '|---|---|---|---|---|---|---|',
  );
  if (pair !== undefined)
    out.push(`| 0 (solo) | ${f3(p99(pair, 'baseline', 'FFT', 'device'))} | ${f3(p99(pair, 'baseline', 'FFT', 'wall'))} | 1 | 1 | 1 | 1 |`);
  for (const [n, id] of [
    [1, 'pair'],
    [2, 'n2'],
    [3, 'n3'],
  ] as const) {
    const rep = r(id);
    if (rep === undefined) continue;
    out.push(
      `| ${n} | ${f3(p99(rep, 'shared', 'FFT', 'device'))} | ${f3(p99(rep, 'shared', 'FFT', 'wall'))} | ${f3(df(rep, 'FFT', 'device'))} | ` +
        `${f3(df(rep, 'FFT', 'wall'))} | ${f3(df(rep, 'FFT', 'queue'))} | ${f3(df(rep, 'FFT', 'wall', 'dfP50'))} |`,
    );
  }
  const mps = r('mps');
  const mpsPlain = r('mps-vs-plain-solo');
  if (mps !== undefined && pair !== undefined) {
    const mpsDevice = df(mps, 'FFT', 'device') ?? Number.NaN;
    out.push(
      '',
      '## MPS against time-slicing',
      '',
      "The same pair with an MPS control daemon running (`nvidia-cuda-mps-control -d`): the two processes' kernels may run on the SMs at the same time instead of taking turns.",
      '',
      '| FFT, p99 | time-slicing | MPS (against MPS solo) | MPS (against plain solo) |',
      '|---|---|---|---|',
      `| DF device | ${f3(df(pair, 'FFT', 'device'))} | ${f3(df(mps, 'FFT', 'device'))} | ${f3(df(mpsPlain, 'FFT', 'device'))} |`,
      `| DF wall | ${f3(df(pair, 'FFT', 'wall'))} | ${f3(df(mps, 'FFT', 'wall'))} | ${f3(df(mpsPlain, 'FFT', 'wall'))} |`,
      `| DF queueing | ${f3(df(pair, 'FFT', 'queue'))} | ${f3(df(mps, 'FFT', 'queue'))} | ${f3(df(mpsPlain, 'FFT', 'queue'))} |`,
      `| shared wall p99 (ms) | ${f3(p99(pair, 'shared', 'FFT', 'wall'))} | ${f3(p99(mps, 'shared', 'FFT', 'wall'))} | ${f3(p99(mpsPlain, 'shared', 'FFT', 'wall'))} |`,
      `| GEMM DF wall | ${f3(df(pair, 'GEMM', 'wall'))} | ${f3(df(mps, 'GEMM', 'wall'))} | ${f3(df(mpsPlain, 'GEMM', 'wall'))} |`,
      '',
      mpsDevice >= VISIBLE_DF
        ? `Under MPS the contention moves inside the kernel: the FFT's device-clock p99 grows ${f2(df(mps, 'FFT', 'device'))}× because its kernels now share SMs ` +
            `with the GEMM's, and the queueing delay stays near solo (DF ${f3(df(mps, 'FFT', 'queue'))}). Which clock shows the damage depends on the sharing mode; ` +
            'the sidecar exposes both, and the wall clock (what a caller waits) shows it in both modes.'
        : `Under MPS the FFT's device-clock p99 moved ${f2(mpsDevice)}× and its wall-clock p99 ${f2(df(mps, 'FFT', 'wall'))}×.`,
    );
  }
  if (p.live.length > 0) {
    out.push('', '## The live sidecar', '');
    for (const l of p.live) out.push(...livePage(l));
  }
  if (p.detection.size > 0) {
    const d = (x: { samples: number; seconds: number } | null) =>
      x === null ? 'never' : `${x.samples} samples (${x.seconds.toFixed(1)} s)`;
    out.push(
      '## The contention detector, replayed over these logs',
      '',
      "Each FFT log replayed line by line through the sidecar's statistics with its solo run as the baseline (`src/report/detection.ts`): " +
        "after how many counted samples `kts_contention_detected` switched on. The live runs' logs start with the FFT alone, so their counts include that solo part.",
      '',
      '| comparison | FFT samples | queueing clock | wall clock | device clock |',
      '|---|---|---|---|---|',
    );
    for (const c of COMPARISONS) {
      const r = p.detection.get(c.id);
      if (r !== undefined)
        out.push(
          `| ${c.title} | ${r.samples} | ${d(r.first_detection.queue)} | ${d(r.first_detection.wall)} | ${d(r.first_detection.device)} |`,
        );
    }
  }
  if (p.agent !== undefined) out.push('', ...agentRunMarkdown(p.agent.figures, rel(p.agent.dir)));
  if (pair?.summary.dcgm !== undefined && pair.summary.dcgm.length > 0) {
    out.push(
      '',
      ...dcgmMarkdown(pair.summary.dcgm).map((l) =>
        l.startsWith('## ') ? '## GPU counters joined per iteration (the pair, NVML lab exporter)' : l,
      ),
    );
  }
  if (p.plots && pair !== undefined) {
    const svgs = pair.written.filter((w) => w.endsWith('.svg'));
    if (svgs.length > 0) out.push('', '## Plots (the pair)', '', ...svgs.map((s) => `![${basename(s)}](${rel(s)})`));
  }
  out.push('');
  return out.join('\n');
}
