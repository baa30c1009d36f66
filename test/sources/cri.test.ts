import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { LineDecoder } from '../../src/line/decoder.js';
import { CriSource } from '../../src/sources/cri.js';
import { ktsLines, waitFor } from '../helpers.js';

/** Kubelet's CRI format, with a partial (P) line split in two now and then. */
function cri(text: string): string {
  let out = '';
  let k = 0;
  for (const line of text.trimEnd().split('\n')) {
    const ts = `2026-11-25T03:21:${String(10 + (k % 40)).padStart(2, '0')}.${String(k).padStart(9, '0')}Z`;
    if (k % 7 === 3) out += `${ts} stdout P ${line.slice(0, 20)}\n${ts} stdout F ${line.slice(20)}\n`;
    else out += `${ts} stdout F ${line}\n`;
    k++;
  }
  return out;
}

test('cri source: kubelet rotation and a container restart, every line once', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kts-cri-'));
  // Another pod's directory with a similar prefix must not be picked.
  mkdirSync(join(root, 'gpu_fft-01_uid-x', 'app'), { recursive: true });
  writeFileSync(join(root, 'gpu_fft-01_uid-x', 'app', '0.log'), cri(ktsLines('OTHER', 0, 5)));
  const dir = join(root, 'gpu_fft-0_uid-1', 'app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0.log'), cri(ktsLines('FFT', 0, 40)));

  const seen: string[] = [];
  const decoder = new LineDecoder((s) => seen.push(`${s.workload}:${s.iteration}`));
  const source = new CriSource({ namespace: 'gpu', name: 'fft-0' }, 'app', decoder, { root, podUid: 'uid-1', pollMs: 50 });
  await source.start();
  // Stopped whatever happens: a source left running keeps the test file from ever exiting.
  try {
    await waitFor(() => seen.length === 40, 20_000, 'existing lines');
    assert.equal(source.status.up, true);

    // Kubelet's rotation: rename to 0.log.<time>, the runtime reopens a fresh 0.log.
    appendFileSync(join(dir, '0.log'), cri(ktsLines('FFT', 40, 10)));
    renameSync(join(dir, '0.log'), join(dir, '0.log.20261125-032130'));
    writeFileSync(join(dir, '0.log'), cri(ktsLines('FFT', 50, 10)));
    await waitFor(() => seen.length === 60, 20_000, `lines after rotation (seen ${seen.length})`);

    // The container restarts: 1.log, iterations from 0 again.
    writeFileSync(join(dir, '1.log'), cri(ktsLines('FFT', 0, 25)));
    await waitFor(() => seen.length === 85, 20_000, 'lines of the restarted container');
    await new Promise((r) => setTimeout(r, 300));
  } finally {
    await source.stop();
  }

  const expected = [...Array.from({ length: 60 }, (_, i) => `FFT:${i}`), ...Array.from({ length: 25 }, (_, i) => `FFT:${i}`)];
  assert.deepEqual(seen, expected);
  assert.equal(source.status.restarts.get('container-restart'), 1);
  assert.equal(decoder.counters.malformed, 0);
});

test('cri source: a pod directory that appears late is waited for', async () => {
  const root = mkdtempSync(join(tmpdir(), 'kts-cri-'));
  const seen: number[] = [];
  const errors: string[] = [];
  const decoder = new LineDecoder((s) => seen.push(s.iteration));
  const source = new CriSource({ namespace: 'gpu', name: 'gemm-0' }, 'app', decoder, { root, pollMs: 20, onError: (e) => errors.push(e) });
  await source.start();
  assert.equal(source.status.up, false);
  assert.match(errors[0] ?? '', /no gpu_gemm-0_\* directory/);
  const dir = join(root, 'gpu_gemm-0_abc', 'app');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, '0.log'), cri(ktsLines('GEMM', 0, 12)));
  try {
    await waitFor(() => seen.length === 12, 20_000, 'lines once the directory exists');
  } finally {
    await source.stop();
  }
});
