import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { parseBaselineDocument } from '../../src/stats/baseline.js';
import { CLI, H100 } from '../helpers.js';

function kts(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, ...args], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

function oneLine(err: string): string {
  const lines = err.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got: ${err}`);
  assert.doesNotMatch(err, /\n\s+at /, 'no stack trace');
  return lines[0] as string;
}

describe('kts CLI', () => {
  it('prints the degradation factors for the fixtures', async () => {
    const out = await mkdtemp(join(tmpdir(), 'kts-cli-'));
    const r = kts(
      'report',
      '--baseline',
      `${H100}/solo-fft.log`,
      `${H100}/solo-gemm.log`,
      '--shared',
      `${H100}/shared-fft.log`,
      `${H100}/shared-gemm.log`,
      '--out',
      out,
    );
    assert.equal(r.code, 0, r.err);
    assert.match(r.out, /FFT\s+wall\s+0\.779\s+1\.022\s+1\.31\d/);
    assert.match(r.out, /FFT\s+device\s+0\.51\d\s+0\.478\s+0\.92\d/);
  });

  it('exits 2 with one line for an unknown flag', () => {
    const r = kts('report', '--bogus');
    assert.equal(r.code, 2);
    assert.match(oneLine(r.err), /unknown option '--bogus'/);
  });

  it('exits 2 naming a bad value', () => {
    const r = kts('report', '--baseline', H100, '--shared', H100, '--out', '/tmp/x', '--warmup', 'ten');
    assert.equal(r.code, 2);
    assert.match(oneLine(r.err), /--warmup.*'ten'/);
    const f = kts('report', '--baseline', H100, '--shared', H100, '--out', '/tmp/x', '--format', 'pdf');
    assert.equal(f.code, 2);
    assert.match(oneLine(f.err), /'pdf' is not one of/);
  });

  it('exits 2 for an unknown command and a missing required option', () => {
    assert.equal(kts('frobnicate').code, 2);
    const r = kts('report', '--baseline', H100);
    assert.equal(r.code, 2);
    assert.match(oneLine(r.err), /missing required option --shared/);
  });

  it('names a missing input file', () => {
    const r = kts('report', '--baseline', '/nonexistent/solo.log', '--shared', H100, '--out', '/tmp/x');
    assert.equal(r.code, 2);
    assert.match(oneLine(r.err), /cannot read \/nonexistent\/solo\.log: no such file or directory/);
  });

  it('says clearly when the input has no KTS_APP lines', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kts-cli-'));
    await writeFile(join(dir, 'noise.log'), 'hello\nworld\nKTS_APP,v9,x\n');
    const r = kts('report', '--baseline', join(dir, 'noise.log'), '--shared', H100, '--out', join(dir, 'out'));
    assert.equal(r.code, 1);
    assert.match(oneLine(r.err), /no KTS_APP samples in the baseline input .*noise\.log.*0 parsed, 2 other lines, 1 malformed/);
  });

  it('has --help on every subcommand', () => {
    for (const args of [['--help'], ['report', '--help'], ['baseline', 'capture', '--help']]) {
      const r = kts(...args);
      assert.equal(r.code, 0);
      assert.match(r.out, /Usage: kts/);
    }
    assert.match(kts('report', '--help').out, /--warmup <n>[\s\S]*?\(default: 10\)/);
  });

  it('captures a baseline and merges further profiles into it', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kts-cli-'));
    const file = join(dir, 'baseline.json');
    let r = kts(
      'baseline',
      'capture',
      '--from',
      `${H100}/solo-fft.log`,
      '--profile',
      'h100',
      '--out',
      file,
      '--gpu-model',
      'NVIDIA H100 80GB HBM3',
    );
    assert.equal(r.code, 0, r.err);
    r = kts('baseline', 'capture', '--from', `${H100}/solo-gemm.log`, '--profile', 'h100', '--out', file);
    assert.equal(r.code, 0, r.err);
    const parsed = parseBaselineDocument(JSON.parse(await readFile(file, 'utf8')));
    assert.ok(parsed.ok);
    const fft = parsed.doc.profiles.find((p) => p.workload === 'FFT');
    assert.equal(parsed.doc.profiles.length, 2);
    assert.equal(fft?.gpu_model, 'NVIDIA H100 80GB HBM3');
    assert.equal(fft?.clocks.device?.count, 590);
    assert.ok(Math.abs((fft?.clocks.wall.p99_ms ?? 0) - 0.779) < 0.004);
  });

  it('refuses to overwrite a file that is not a baseline', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'kts-cli-'));
    const file = join(dir, 'important.json');
    await writeFile(file, '{"something": "else"}');
    const r = kts('baseline', 'capture', '--from', H100, '--profile', 'p', '--out', file);
    assert.equal(r.code, 2);
    assert.match(oneLine(r.err), /refusing to overwrite/);
  });
});
