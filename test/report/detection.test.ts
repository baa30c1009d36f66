/**
 * The live detector replayed over every recorded H100 log (issue 19): each solo log against its
 * own baseline never alarms on any clock; the time-sliced shared logs are detected within 100
 * samples of the co-tenant's arrival; the other shared logs are reported with their figures.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { analyseAgentRun } from '../../src/report/agent-run.js';
import { replayDetection } from '../../src/report/detection.js';
import { CLOCKS } from '../../src/stats/clocks.js';
import { ROOT } from '../helpers.js';

const FIX = `${ROOT}test/fixtures`;
const X = 'h100-experiment-2026-11-25';
const WARMUP = 10;

/** Counted samples (iteration >= warmup) of a log that ended before `ns`. */
function samplesBefore(file: string, ns: bigint): number {
  let n = 0;
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const f = line.split(',');
    if (f[0] !== 'KTS_APP' || Number(f[3]) < WARMUP) continue;
    if (BigInt(f[5] ?? '0') < ns) n++;
  }
  return n;
}

/** Epoch ns at which the first co-tenant process of a live scenario started (timeline.jsonl). */
function arrivalNs(dir: string, scenario: string): bigint {
  for (const line of readFileSync(`${FIX}/${dir}/timeline.jsonl`, 'utf8').split('\n')) {
    if (line === '') continue;
    const e = JSON.parse(line.replace(/"t_ns": (\d+)/, '"t_ns": "$1"')) as {
      t_ns: string;
      scenario: string;
      event: string;
      workload?: string;
    };
    if (e.scenario === scenario && e.event === 'start' && e.workload === 'gemm') return BigInt(e.t_ns);
  }
  throw new Error(`no co-tenant start for ${scenario}`);
}

const first = (r: Awaited<ReturnType<typeof replayDetection>>): number | undefined => {
  const at = CLOCKS.map((c) => r.first_detection[c]?.samples).filter((v): v is number => v !== undefined);
  return at.length === 0 ? undefined : Math.min(...at);
};

describe('contention detection replayed over every recorded log', () => {
  const solos: [string, string, string][] = [
    ['h100-2026-11-22', 'solo-fft.log', 'FFT'],
    ['h100-2026-11-22', 'solo-gemm.log', 'GEMM'],
    ['h100-2026-11-25', 'solo-fft.log', 'FFT'],
    ['h100-2026-11-25', 'solo-gemm.log', 'GEMM'],
    [X, 'solo-fft.log', 'FFT'],
    [X, 'solo-gemm.log', 'GEMM'],
    [X, 'mps-solo-fft.log', 'FFT'],
    [X, 'mps-solo-gemm.log', 'GEMM'],
    [X, 'live3-solo-fft.log', 'FFT'],
    [X, 'live3-solo-gemm.log', 'GEMM'],
  ];
  for (const [dir, file, workload] of solos) {
    it(`${dir}/${file} against its own baseline never alarms`, async () => {
      const r = await replayDetection([`${FIX}/${dir}/${file}`], [`${FIX}/${dir}/${file}`], workload, WARMUP);
      assert.ok(r.samples > 0);
      for (const c of CLOCKS) assert.equal(r.first_detection[c], null, `${c} clock`);
    });
  }

  // [dir, baseline, shared, workload, live scenario whose co-tenant arrives mid-log]
  const required: [string, string, string, string, string?][] = [
    ['h100-2026-11-22', 'solo-fft.log', 'shared-fft.log', 'FFT'],
    ['h100-2026-11-22', 'solo-gemm.log', 'shared-gemm.log', 'GEMM'],
    [X, 'solo-fft.log', 'shared-fft.log', 'FFT'],
    [X, 'solo-fft.log', 'n2-fft.log', 'FFT'],
    [X, 'solo-fft.log', 'n3-fft.log', 'FFT'],
    [X, 'solo-fft.log', 'live-fft.log', 'FFT', 'live'],
    [X, 'live3-solo-fft.log', 'live3-fft.log', 'FFT', 'live3'],
  ];
  for (const [dir, solo, shared, workload, live] of required) {
    it(`${dir}/${shared} is detected within 100 samples of the co-tenant's arrival`, async (t) => {
      const r = await replayDetection([`${FIX}/${dir}/${solo}`], [`${FIX}/${dir}/${shared}`], workload, WARMUP);
      const before = live === undefined ? 0 : samplesBefore(`${FIX}/${dir}/${shared}`, arrivalNs(dir, live));
      const at = first(r);
      t.diagnostic(`alone ${before}; first detection ${JSON.stringify(r.first_detection)}`);
      assert.ok(at !== undefined, 'detected');
      assert.ok(at - before <= 100, `${at - before} samples after the co-tenant's arrival`);
      assert.ok(at - before > 0 || live === undefined, 'no detection while still alone');
    });
  }

  const reported: [string, string, string, string][] = [
    [X, 'mps-solo-fft.log', 'mps-shared-fft.log', 'FFT'],
    [X, 'solo-fft.log', 'mps-shared-fft.log', 'FFT'],
    ['h100-2026-11-25', 'solo-fft.log', 'shared-fft.log', 'FFT'],
    ['h100-2026-11-25', 'solo-gemm.log', 'shared-gemm.log', 'GEMM'],
    [X, 'solo-gemm.log', 'shared-gemm.log', 'GEMM'],
  ];
  for (const [dir, solo, shared, workload] of reported) {
    it(`${dir}/${shared} against ${solo}: reported`, async (t) => {
      const r = await replayDetection([`${FIX}/${dir}/${solo}`], [`${FIX}/${dir}/${shared}`], workload, WARMUP);
      t.diagnostic(`${r.samples} samples; first detection ${JSON.stringify(r.first_detection)}`);
      assert.ok(r.samples > 0);
    });
  }

  it('the agent beside a training job: quiet before it, detected within 300 iterations of its start, cleared after it left', async (t) => {
    const f = await analyseAgentRun(`${FIX}/h100-agent-2026-11-25`);
    t.diagnostic(`join ${f.join}, first step ${f.firstStep}, leave ${f.leave}: ${JSON.stringify(f.clocks)}`);
    for (const c of CLOCKS) assert.equal(f.clocks[c].falseAlarmsBefore, 0, `${c}: no alarm before the trainer`);
    const first = Math.min(...CLOCKS.map((c) => f.clocks[c].onAfterJoin?.iteration ?? Number.POSITIVE_INFINITY));
    assert.ok(first - f.join <= 300, `detected ${first - f.join} iterations after the trainer started`);
    for (const c of CLOCKS) {
      const k = f.clocks[c];
      if (k.onAfterJoin === null) continue;
      assert.ok(k.offAfterLeave !== null, `${c}: cleared after the trainer left`);
      assert.ok(k.transitions.filter((x) => x.on && x.iteration >= f.leave + 200).length === 0, `${c}: no onset once alone again`);
    }
  });
});
