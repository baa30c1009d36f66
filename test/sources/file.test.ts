import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFileSync, copyFileSync, mkdtempSync, renameSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { LineDecoder } from '../../src/line/decoder.js';
import { FileSource } from '../../src/sources/file.js';
import { ktsLines, waitFor } from '../helpers.js';

const settle = () => new Promise((r) => setTimeout(r, 300));

describe('file source', () => {
  let source: FileSource | undefined;
  const iterations: number[] = [];
  afterEach(async () => {
    await source?.stop();
    source = undefined;
    iterations.length = 0;
  });

  function follow(path: string, fromBeginning = true): LineDecoder {
    const decoder = new LineDecoder((s) => iterations.push(s.iteration));
    source = new FileSource(path, decoder, { fromBeginning });
    void source.start();
    return decoder;
  }

  function assertExactly(n: number): void {
    assert.deepEqual(
      iterations,
      Array.from({ length: n }, (_, i) => i),
      'every line once, in order',
    );
  }

  it('starts at the end unless asked to read from the beginning', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 5));
    follow(path, false);
    await waitFor(() => source?.status.up === true, 5000, 'ready');
    await settle();
    appendFileSync(path, ktsLines('A', 5, 3));
    await waitFor(() => iterations.length === 3, 5000, 'appended lines');
    assert.deepEqual(iterations, [5, 6, 7]);
  });

  it('follows rotation by rename and create', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 50));
    follow(path);
    await waitFor(() => iterations.length === 50, 5000, 'initial lines');
    appendFileSync(path, ktsLines('A', 50, 10));
    renameSync(path, `${path}.1`);
    writeFileSync(path, ktsLines('A', 60, 40));
    await waitFor(() => iterations.length >= 100, 8000, 'lines after rotation');
    await settle();
    assertExactly(100);
  });

  it('follows copytruncate', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 50));
    follow(path);
    await waitFor(() => iterations.length === 50, 5000, 'initial lines');
    copyFileSync(path, `${path}.1`);
    truncateSync(path, 0);
    await settle();
    appendFileSync(path, ktsLines('A', 50, 30));
    await waitFor(() => iterations.length >= 80, 8000, 'lines after truncation');
    await settle();
    assertExactly(80);
    assert.ok((source?.status.restarts.get('truncate') ?? 0) >= 1);
  });

  it('follows deletion and re-creation', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 20));
    follow(path);
    await waitFor(() => iterations.length === 20, 5000, 'initial lines');
    rmSync(path);
    await settle();
    writeFileSync(path, ktsLines('A', 20, 20));
    await waitFor(() => iterations.length >= 40, 8000, 'lines after re-creation');
    await settle();
    assertExactly(40);
  });

  it('waits for a file that does not exist yet', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'later.log');
    follow(path);
    await settle();
    writeFileSync(path, ktsLines('A', 0, 10));
    await waitFor(() => iterations.length >= 10, 8000, 'lines of the new file');
    await settle();
    assertExactly(10);
  });

  it('skips a line of 50 MB without a newline as too_long and keeps the lines after it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 5));
    const decoder = follow(path);
    await waitFor(() => iterations.length === 5, 5000, 'initial lines');
    const chunk = Buffer.alloc(1 << 20, 0x37); // '7' x 1 MiB
    appendFileSync(path, 'KTS_APP,v1,A,5,1,2,');
    for (let i = 0; i < 50; i++) appendFileSync(path, chunk);
    appendFileSync(path, '\nplain text\n');
    appendFileSync(path, ktsLines('A', 5, 5));
    await waitFor(() => iterations.length === 10, 30_000, 'lines after the long one');
    assert.deepEqual(iterations, [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    assert.equal(decoder.counters.reasons().too_long, 1);
    assert.equal(decoder.counters.ignored, 1);
  });

  it('backs off when the path is a directory instead of retrying every 250 ms', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const errors: string[] = [];
    const decoder = new LineDecoder(() => undefined);
    source = new FileSource(dir, decoder, { fromBeginning: true, onError: (m) => errors.push(m) });
    await source.start();
    await new Promise((r) => setTimeout(r, 3000));
    // 250 + 500 + 1000 + 2000 ms: at most 4 failures in 3 s (a reset back-off makes ~12).
    assert.ok(errors.length >= 1 && errors.length <= 4, `${errors.length} retries in 3 s`);
  });

  it('rotation storm: 9,600 lines from another process renamed 2-50 times a second, each read once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-file-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, '');
    follow(path);
    await waitFor(() => source?.status.up === true, 5000, 'ready');
    const total = 9600;
    // Its own process: this one keeps reading while it writes.
    const child = spawn(process.execPath, [fileURLToPath(new URL('./rotating-writer.js', import.meta.url)), path, String(total)]);
    let rotations = '';
    child.stdout.on('data', (d: Buffer) => {
      rotations += d.toString();
    });
    const code = await new Promise((r) => child.on('exit', r));
    assert.equal(code, 0);
    await waitFor(() => iterations.length >= total, 20_000, `all ${total} lines`);
    await settle();
    assert.ok(Number(rotations) >= 40, `${rotations} rotations`);
    assertExactly(total);
  });
});
