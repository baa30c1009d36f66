/** `stdin`: reads the workload's output piped into the sidecar (`workload | kts serve --source stdin`). */
import type { Readable } from 'node:stream';
import type { LineDecoder } from '../line/decoder.js';
import { newStatus, type Source, type SourceStatus } from './source.js';

export class StreamSource implements Source {
  readonly status: SourceStatus;
  private readonly onData = (chunk: Buffer): void => this.decoder.push(chunk);
  private readonly onEnd = (): void => {
    this.decoder.end();
    this.status.up = false;
  };

  constructor(
    private readonly stream: Readable,
    readonly decoder: LineDecoder,
    name = 'stdin',
  ) {
    this.status = newStatus(name);
  }

  async start(): Promise<void> {
    this.stream.on('data', this.onData);
    this.stream.on('end', this.onEnd);
    this.stream.on('error', (err) => {
      this.status.up = false;
      this.status.lastError = err.message;
    });
    this.status.up = true;
  }

  async stop(): Promise<void> {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.pause();
    this.status.up = false;
  }
}
