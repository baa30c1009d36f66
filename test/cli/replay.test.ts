import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import { describe, it } from 'node:test';
import { replayLines } from '../../src/cli/replay.js';
import { CLI, H100 } from '../helpers.js';

describe('kts replay', () => {
  it('keeps the original spacing, scaled by --speed', async () => {
    // three iterations ending 100 ms apart, replayed 2x: about 100 ms in all
    const lines = [0, 1, 2].map((i) => `KTS_APP,v1,A,${i},${1_000_000_000 + i * 100_000_000},${1_000_500_000 + i * 100_000_000},0.4,`);
    const out = new PassThrough();
    const chunks: string[] = [];
    out.on('data', (d: Buffer) => chunks.push(d.toString()));
    const t0 = Date.now();
    assert.equal(await replayLines(['noise', ...lines], out, 2), 4);
    const ms = Date.now() - t0;
    assert.ok(ms >= 90 && ms < 1000, `${ms} ms`);
    assert.equal(chunks.join(''), `noise\n${lines.join('\n')}\n`);
  });

  it('replays a fixture into a file at full speed, byte for byte', () => {
    const out = join(mkdtempSync(join(tmpdir(), 'kts-replay-')), 'out.log');
    const r = spawnSync(process.execPath, [CLI, 'replay', `${H100}/shared-fft.log`, '--speed', 'max', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    assert.equal(readFileSync(out, 'utf8'), readFileSync(`${H100}/shared-fft.log`, 'utf8'));
    const bad = spawnSync(process.execPath, [CLI, 'replay', `${H100}/shared-fft.log`, '--speed', '0'], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /--speed/);
  });
});
