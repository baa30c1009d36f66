import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { describe, it } from 'node:test';
import { LineDecoder } from '../../src/line/decoder.js';
import type { Sample } from '../../src/line/types.js';
import { ROOT } from '../helpers.js';

const python = spawnSync('python3', ['--version']).status === 0 ? 'python3' : undefined;
const skip = python === undefined ? 'python3 is not installed here' : false;

function py(code: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(python as string, ['-c', code], {
    cwd: `${ROOT}workers`,
    encoding: 'utf8',
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1' },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('workers/ Python helpers', () => {
  it('kts_emit.KtsEmitter writes lines the sidecar parses (wall clock only without CUDA)', { skip }, () => {
    const r = py(
      [
        'import time, kts_emit',
        'e = kts_emit.KtsEmitter("py-infer", phase="serving", cuda=False)',
        'for _ in range(3):',
        '    with e.iteration():',
        '        time.sleep(0.002)',
        'e.emit(1795585000000000000, 1795585000001000000, 0.25, phase="warmup")',
        'for bad in ("bad name", "x" * 65):',
        '    try:',
        '        kts_emit.KtsEmitter(bad)',
        '    except ValueError:',
        '        print("rejected", flush=True)',
      ].join('\n'),
    );
    assert.equal(r.status, 0, r.stderr);
    const samples: Sample[] = [];
    const decoder = new LineDecoder((s) => samples.push({ ...s }));
    decoder.push(Buffer.from(r.stdout));
    assert.equal(decoder.counters.parsed, 4, r.stdout);
    assert.deepEqual(
      samples.map((s) => [s.workload, s.iteration, s.phase]),
      [
        ['py-infer', 0, 'serving'],
        ['py-infer', 1, 'serving'],
        ['py-infer', 2, 'serving'],
        ['py-infer', 3, 'warmup'],
      ],
    );
    for (const s of samples.slice(0, 3)) assert.ok(s.deviceMs >= 2, `wall span as device time: ${s.deviceMs}`);
    assert.equal((r.stdout.match(/^rejected$/gm) ?? []).length, 2);
  });

  it('experiment.py and the workers parse their arguments without a GPU', { skip }, () => {
    const r = spawnSync(python as string, [`${ROOT}workers/experiment.py`, '--help'], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    for (const flag of ['--scenarios', '--kts', '--exporter', '--live-solo-s']) assert.ok(r.stdout.includes(flag), flag);
    const c = spawnSync(
      python as string,
      ['-m', 'py_compile', 'kts_worker.py', 'kts_emit.py', 'experiment.py', 'nvml_exporter.py', 'examples/pytorch_inference.py'],
      {
        cwd: `${ROOT}workers`,
        encoding: 'utf8',
        env: { ...process.env, PYTHONPYCACHEPREFIX: '/tmp/kts-pycache' },
      },
    );
    assert.equal(c.status, 0, c.stderr);
  });
});
