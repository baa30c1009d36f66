/**
 * The agent-plus-trainer recording (workers/experiment.py --scenarios agent): the agent's live
 * log replayed through the sidecar's statistics against the baseline captured in a separate,
 * earlier solo run (as users do), with the trainer's join and leave from timeline.jsonl. Per
 * clock: false alarms before the join, detection after it, clearing after the leave.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { LineDecoder } from '../line/decoder.js';
import { endEpochSeconds } from '../line/types.js';
import { parseBaselineDocument } from '../stats/baseline.js';
import { CLOCKS, type Clock } from '../stats/clocks.js';
import { LiveTracker } from '../stats/live.js';
import { parseTimeline } from './live-run.js';

export interface Transition {
  on: boolean;
  /** Iteration index in the agent's log. */
  iteration: number;
  endEpoch: number;
}

export interface AgentRunFigures {
  iterations: number;
  /** Iteration indexes: the first whose end is at or after the trainer's process start, its first step's start, its leave. */
  join: number;
  firstStep: number;
  leave: number;
  rate_per_s: number;
  clocks: Record<
    Clock,
    { transitions: Transition[]; falseAlarmsBefore: number; onAfterJoin: Transition | null; offAfterLeave: Transition | null }
  >;
}

export async function analyseAgentRun(dir: string, warmup = 10): Promise<AgentRunFigures> {
  const events = parseTimeline(await readFile(join(dir, 'timeline.jsonl'), 'utf8'));
  const at = (event: string): number => {
    const e = events.find((x) => x.scenario === 'agent-live' && x.event === event);
    if (e === undefined) throw new Error(`${dir}/timeline.jsonl has no agent-live ${event} event`);
    return Number(e.t_ns) / 1e9;
  };
  const joinS = at('join');
  const leaveS = at('leave');
  const stepText = (await readFile(join(dir, 'timeline.jsonl'), 'utf8')).split('\n').find((l) => l.includes('"trainer-first-step"'));
  const stepS = stepText === undefined ? joinS : Number(/"epoch_ns_start": (\d+)/.exec(stepText)?.[1] ?? '0') / 1e9;
  const parsed = parseBaselineDocument(JSON.parse(await readFile(join(dir, 'agent-baseline.json'), 'utf8')));
  if (!parsed.ok) throw new Error(`${dir}/agent-baseline.json: ${parsed.error}`);
  const tracker = new LiveTracker({ warmupIterations: warmup });
  tracker.setBaselines(parsed.doc);
  const transitions = { device: [], wall: [], queue: [] } as Record<Clock, Transition[]>;
  const state: Record<Clock, boolean> = { device: false, wall: false, queue: false };
  const ends: number[] = [];
  const decoder = new LineDecoder((s) => {
    ends[s.iteration] = endEpochSeconds(s);
    tracker.ingest(s, 0);
    const d = tracker.get(s.workload)?.detectors;
    for (const c of CLOCKS) {
      const on = d?.[c]?.active === true;
      if (on !== state[c]) transitions[c].push({ on, iteration: s.iteration, endEpoch: endEpochSeconds(s) });
      state[c] = on;
    }
  });
  decoder.push(await readFile(join(dir, 'agent-live.log')));
  decoder.end();
  const firstAtOrAfter = (t: number): number => ends.findIndex((e) => e !== undefined && e >= t);
  const join_ = firstAtOrAfter(joinS);
  const leave = firstAtOrAfter(leaveS);
  const clocks = {} as AgentRunFigures['clocks'];
  for (const c of CLOCKS) {
    const tr = transitions[c];
    clocks[c] = {
      transitions: tr,
      falseAlarmsBefore: tr.filter((t) => t.on && t.iteration < join_).length,
      onAfterJoin: tr.find((t) => t.on && t.iteration >= join_) ?? null,
      offAfterLeave: tr.find((t) => !t.on && t.iteration >= leave) ?? null,
    };
  }
  const span = (ends.at(-1) ?? 0) - (ends[0] ?? 0);
  return {
    iterations: ends.length,
    join: join_,
    firstStep: firstAtOrAfter(stepS),
    leave,
    rate_per_s: span > 0 ? ends.length / span : 0,
    clocks,
  };
}

export function agentRunMarkdown(f: AgentRunFigures, rel: string): string[] {
  const after = (t: Transition | null, from: number): string => (t === null ? 'never' : `${t.iteration - from} iterations`);
  const lines = [
    '## An LLM-style agent beside a training job (the live sidecar, replayed)',
    '',
    `\`workers/experiment.py --scenarios agent\` (logs in \`${rel}\`): a decode step of a 737 M-parameter transformer at batch 1, ` +
      `${f.rate_per_s.toFixed(1)} iterations a second, with its baseline captured in a separate, earlier solo run; a training job ` +
      `started at iteration ${f.join} (its first step at ${f.firstStep}) and was stopped at ${f.leave}. The agent's log replayed through the ` +
      "sidecar's statistics and detector against that stored baseline (`src/report/agent-run.ts`). The sidecar that ran live " +
      'on the H100 had the previous detector (Bernoulli CUSUM on device and wall only): it fired on both clocks before the trainer ' +
      'joined, against this narrow baseline, and its wall detection never cleared (fixture README).',
    '',
    '| clock | false alarms before the trainer | detection after its process started (after its first step) | cleared after it left |',
    '|---|---|---|---|',
  ];
  for (const c of CLOCKS) {
    const k = f.clocks[c];
    const on = k.onAfterJoin;
    lines.push(
      `| ${c} | ${k.falseAlarmsBefore} | ${on === null ? 'never' : `${on.iteration - f.join} (${on.iteration - f.firstStep})`} | ${on === null ? '–' : after(k.offAfterLeave, f.leave)} |`,
    );
  }
  return lines;
}
