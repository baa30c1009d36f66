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
    protected stopping: boolean | undefined;
    protected reading: boolean;
    protected fd: number | null | 'init';
    protected onLine: (err: unknown, line?: string, pos?: number) => unknown;
    protected onLineForTail(err: unknown, line?: string, pos?: number): unknown;
    protected onEndOfFileForTail(): unknown;
    protected getLine(): unknown;
    protected readStuff(): void;
    protected setBytePos(pos: number | 'start'): void;
    protected setCharPos(pos: number | 'start'): void;
  }
  export = Tail;
}
