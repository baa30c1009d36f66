// Minimal typings for tail-file (the package ships none): the parts kts-exporter uses.
declare module 'tail-file' {
  import { EventEmitter } from 'node:events';

  interface TailOptions {
    startPos?: 'start' | 'end' | number;
    force?: boolean;
    sep?: string | RegExp;
    encoding?: BufferEncoding;
    cutoff?: number;
    /** Bytes per read (tail-file's own option, default 4096). */
    _bufsize?: number;
  }

  class Tail extends EventEmitter {
    constructor(filename: string, options?: TailOptions);
    start(): void;
    stop(): Promise<void>;
    pos: number | string;
    ino: number | null;
    // Internals that src/sources/tail.ts bends (see there why).
    protected filename: string;
    protected txt: string;
    protected posLast: number;
    protected posNext: number;
    protected started: string | null;
    protected stopping: string | boolean | null | undefined;
    protected reading: boolean;
    protected buf: Buffer | null;
    /** A directory event came while a read was in flight. */
    protected readable: boolean;
    /** Character position before which lines are not emitted. */
    protected posSkip: number;
    /** Files still to catch up on before the primary one. */
    protected backlog: string[];
    protected unzip: unknown;
    protected fd: number | null | 'init';
    protected onLine: (err: unknown, line?: string, pos?: number) => unknown;
    protected onLineForTail(err: unknown, line?: string, pos?: number): unknown;
    protected onEndOfFileForTail(): unknown;
    protected getLine(): unknown;
    protected readStuff(): void;
    protected append(err: unknown, bytesRead: number, buf: Buffer): unknown;
    protected decode(chunk: Buffer | null): unknown;
    protected checkDir(type: string, name: string | null): unknown;
    protected checkDirError(err: unknown): unknown;
    /** The directory watch (null or absent when none). */
    protected watcher: import('node:fs').FSWatcher | null | undefined;
    protected setBytePos(pos: number | 'start'): void;
    protected setCharPos(pos: number | 'start'): void;
  }
  export = Tail;
}
