// Minimal typings for tail-file (the package ships none): the parts kts-exporter uses.
declare module 'tail-file' {
  import { EventEmitter } from 'node:events';

  interface TailOptions {
    startPos?: 'start' | 'end' | number;
    force?: boolean;
    sep?: string | RegExp;
    encoding?: BufferEncoding;
    cutoff?: number;
  }

  class Tail extends EventEmitter {
    constructor(filename: string, options?: TailOptions);
    start(): void;
    stop(): Promise<void>;
    pos: number | string;
  }
  export = Tail;
}
