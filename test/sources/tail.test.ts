import assert from 'node:assert/strict';
import { appendFileSync, mkdtempSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { BoundedTail } from '../../src/sources/tail.js';
import { ktsLines, waitFor } from '../helpers.js';

/** Runs `hook` once at the next end of file, before the tail looks at the path: the race, made certain. */
class RacyTail extends BoundedTail {
  hook: (() => void) | undefined;
  protected override onEndOfFileForTail(): unknown {
    const h = this.hook;
    this.hook = undefined;
    h?.();
    return super.onEndOfFileForTail();
  }
}

describe('bounded tail', () => {
  it('reads lines written to the old file between its last read and the rename, before switching', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-tail-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, ktsLines('A', 0, 10));
    const got: number[] = [];
    const tail = new RacyTail(path, { startPos: 'start', maxLine: 16384, onOverlong: () => undefined });
    tail.on('line', (l: string) => got.push(Number(l.split(',')[3])));
    tail.start();
    try {
      await waitFor(() => got.length === 10, 5000, 'first lines');
      tail.hook = () => {
        appendFileSync(path, ktsLines('A', 10, 5)); // after the reader saw the end of the file
        renameSync(path, `${path}.1`);
        writeFileSync(path, ktsLines('A', 15, 5));
      };
      tail.poke();
      await waitFor(() => got.length >= 20, 5000, 'lines of both files');
      await new Promise((r) => setTimeout(r, 200));
      assert.deepEqual(
        got,
        Array.from({ length: 20 }, (_, i) => i),
      );
    } finally {
      await tail.stop();
    }
  });

  it('cuts an over-long line once and goes on with the next', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'kts-tail-'));
    const path = join(dir, 'app.log');
    writeFileSync(path, `${'x'.repeat(100_000)}\n${ktsLines('A', 0, 2)}`);
    const got: string[] = [];
    const heads: number[] = [];
    const tail = new BoundedTail(path, { startPos: 'start', maxLine: 1000, onOverlong: (h) => heads.push(h.length) });
    tail.on('line', (l: string) => got.push(l));
    tail.start();
    try {
      await waitFor(() => got.length === 2, 5000, 'lines after the long one');
      assert.deepEqual(heads, [1000]);
      assert.match(got[0] ?? '', /^KTS_APP,v1,A,0,/);
    } finally {
      await tail.stop();
    }
  });
});

const opened = (tail: BoundedTail): boolean => typeof (tail as unknown as { fd: unknown }).fd === 'number';
const watcherOf = (tail: BoundedTail): unknown => (tail as unknown as { watcher: unknown }).watcher;

/** A tail from the start of an empty app.log, open and past a quiet second; `got` collects iterations. */
async function quietTail(make: (path: string) => BoundedTail): Promise<{ path: string; tail: BoundedTail; got: number[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'kts-tail-'));
  const path = join(dir, 'app.log');
  writeFileSync(path, '');
  const got: number[] = [];
  const tail = make(path);
  tail.on('line', (l: string) => got.push(Number(l.split(',')[3])));
  tail.start();
  await waitFor(() => opened(tail), 5000, 'open');
  await new Promise((r) => setTimeout(r, 1100)); // the directory is quiet
  return { path, tail, got };
}

/** One write per line, as a flushing emitter does, `gapMs` apart. */
async function writeEach(path: string, from: number, n: number, gapMs: number): Promise<void> {
  for (let i = from; i < from + n; i++) {
    appendFileSync(path, ktsLines('A', i, 1));
    await new Promise((r) => setTimeout(r, gapMs));
  }
}

const polled = (path: string) =>
  new BoundedTail(path, { startPos: 'start', maxLine: 16384, onOverlong: () => undefined, pollQuietMs: 1000 });

describe('bounded tail cost', () => {
  it('reads a line-per-write writer a few times a second while the directory is quiet, every line once', async () => {
    let reads = 0;
    class CountingTail extends BoundedTail {
      protected override append(err: unknown, bytesRead: number, buf: Buffer): unknown {
        reads++;
        return super.append(err, bytesRead, buf);
      }
    }
    const { path, tail, got } = await quietTail(
      (p) => new CountingTail(p, { startPos: 'start', maxLine: 16384, onOverlong: () => undefined }),
    );
    try {
      const before = reads;
      await writeEach(path, 0, 100, 10);
      await waitFor(() => got.length === 100, 5000, 'all lines');
      assert.deepEqual(
        got,
        Array.from({ length: 100 }, (_, i) => i),
      );
      // ~1.2 s of writes: at most one read per 250 ms and a stat's read each second, not 100.
      assert.ok(reads - before <= 15, `${reads - before} reads for 100 writes`);
    } finally {
      await tail.stop();
    }
  });
});

describe('bounded tail polling a busy file', () => {
  it('follows a rename rotation while polling, every line once', async () => {
    const { path, tail, got } = await quietTail(polled);
    try {
      await writeEach(path, 0, 250, 10); // 2.5 s at 100 writes/s: polled by now
      assert.equal(watcherOf(tail), null, 'the busy file is polled');
      renameSync(path, `${path}.1`);
      appendFileSync(`${path}.1`, ktsLines('A', 250, 3)); // the writer finishes its line on the old file
      await writeEach(path, 253, 100, 10);
      await waitFor(() => got.length >= 353, 5000, 'lines of both files');
      await new Promise((r) => setTimeout(r, 300));
      assert.deepEqual(
        got,
        Array.from({ length: 353 }, (_, i) => i),
      );
    } finally {
      await tail.stop();
    }
  });

  it('watches the directory again once the file goes quiet, and reads the next write', async () => {
    const { path, tail, got } = await quietTail(polled);
    try {
      await writeEach(path, 0, 250, 10);
      assert.equal(watcherOf(tail), null, 'the busy file is polled');
      await waitFor(() => got.length === 250, 5000, 'busy lines');
      await waitFor(() => watcherOf(tail) !== null, 5000, 'the watch back');
      appendFileSync(path, ktsLines('A', 250, 1));
      await waitFor(() => got.length === 251, 5000, 'the next line');
      assert.deepEqual(
        got,
        Array.from({ length: 251 }, (_, i) => i),
      );
    } finally {
      await tail.stop();
    }
  });
});
