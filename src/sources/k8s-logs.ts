/**
 * `k8s-logs:<container>`: follows a container of the sidecar's own pod through the
 * Kubernetes API (`GET pods/log?follow=true&timestamps=true`). After a dropped connection
 * or a container restart it reconnects with back-off and `sinceTime` set to the newest line
 * seen; lines older than that are skipped, and the ones sharing its timestamp are passed on
 * to be de-duplicated by (workload, iteration) (the API server truncates `sinceTime` to
 * whole seconds, so some lines always come twice).
 *
 * On first attach the container's log is read from its start: that is the workload's whole
 * life in this pod, and it rebuilds the statistics after a restart of the sidecar itself.
 */
import { Writable } from 'node:stream';
import { errorMessage, type PodRef } from '../k8s/errors.js';
import type { Abortable } from '../k8s/rest.js';
import type { SidecarApi } from '../k8s/sidecar-api.js';
import { type LineDecoder, MAX_PHYSICAL_LINE } from '../line/decoder.js';
import { Backoff } from './backoff.js';
import { countRestart, newStatus, type Source, type SourceStatus } from './source.js';

const NEWLINE = 0x0a;
const SPACE = 0x20;

/** Orders RFC3339Nano timestamps (trailing zeros trimmed) as strings: seconds, then 9-digit fraction. */
export function timestampKey(ts: string): string {
  const dot = ts.indexOf('.');
  if (dot < 0) return `${ts.slice(0, 19)}.000000000`;
  const frac = ts.slice(dot + 1, ts.length - 1);
  return `${ts.slice(0, dot)}.${frac.padEnd(9, '0')}`;
}

/** What the source needs of the API. */
export type PodLogApi = Pick<SidecarApi, 'followPodLog'>;

export interface K8sLogSourceOptions {
  backoff?: Backoff;
  onError?: (message: string) => void;
}

export class K8sLogSource implements Source {
  readonly status: SourceStatus;
  /** Lines skipped after a reconnect because they were already read. */
  replayedLines = 0;
  private readonly backoff: Backoff;
  private stopped = false;
  private generation = 0;
  private abort: Abortable | undefined;
  private retry: NodeJS.Timeout | undefined;
  private lastTs: string | undefined;
  private lastKey = '';
  private carry: Buffer | undefined;
  /** Inside a line longer than the cap. */
  private skipping = false;

  constructor(
    private readonly api: PodLogApi,
    private readonly pod: PodRef,
    private readonly container: string,
    readonly decoder: LineDecoder,
    private readonly opts: K8sLogSourceOptions = {},
  ) {
    this.status = newStatus(`k8s-logs:${container}`, ['reconnect']);
    this.backoff = opts.backoff ?? new Backoff(250, 30_000);
  }

  async start(): Promise<void> {
    void this.connect();
  }

  private async connect(): Promise<void> {
    if (this.stopped) return;
    const gen = ++this.generation;
    let gotLines = false;
    let ended = false;
    const finish = (why: string): void => {
      if (ended || gen !== this.generation) return;
      ended = true;
      this.flushCarry();
      this.status.up = false;
      if (this.stopped) return;
      if (gotLines) this.backoff.reset();
      if (why !== '') {
        this.status.lastError = why;
        this.opts.onError?.(why);
      }
      countRestart(this.status, 'reconnect');
      this.retry = setTimeout(() => void this.connect(), this.backoff.next());
    };
    const sink = new Writable({
      write: (chunk: Buffer, _enc, cb) => {
        if (gen === this.generation) {
          gotLines = true;
          this.onChunk(chunk);
        }
        cb();
      },
    });
    sink.on('pipe', (src) => {
      src.once('error', (err: Error) => finish(`log stream: ${err.message}`));
      src.once('close', () => finish(''));
    });
    sink.on('finish', () => finish(''));
    try {
      const open = await this.api.followPodLog(
        { namespace: this.pod.namespace, name: this.pod.name, container: this.container, sinceTime: this.lastTs },
        sink,
      );
      // Stopped while connecting: this stream is nobody's.
      if (gen !== this.generation) return open.abort();
      this.abort = open;
      if (gen === this.generation && !ended) {
        this.status.up = true;
        this.status.lastError = undefined;
      }
    } catch (err) {
      finish(`pods/log ${this.pod.namespace}/${this.pod.name} container ${this.container}: ${errorMessage(err)}`);
    }
  }

  private onChunk(chunk: Buffer): void {
    let buf = chunk;
    let pos = 0;
    if (this.skipping) {
      // Inside an over-long line: drop up to its newline.
      pos = buf.indexOf(NEWLINE);
      if (pos < 0) return;
      this.skipping = false;
      pos++;
    } else if (this.carry !== undefined) {
      if (this.carry.length + chunk.length > MAX_PHYSICAL_LINE && chunk.indexOf(NEWLINE) < 0) {
        this.cutOverlong(Buffer.concat([this.carry, chunk.subarray(0, MAX_PHYSICAL_LINE)]));
        return;
      }
      buf = Buffer.concat([this.carry, chunk]);
      this.carry = undefined;
    }
    let nl = buf.indexOf(NEWLINE, pos);
    while (nl >= 0) {
      this.onLine(buf, pos, nl);
      pos = nl + 1;
      nl = buf.indexOf(NEWLINE, pos);
    }
    if (pos >= buf.length) return;
    if (buf.length - pos > MAX_PHYSICAL_LINE) this.cutOverlong(buf.subarray(pos, pos + 2 * MAX_PHYSICAL_LINE));
    else this.carry = Buffer.from(buf.subarray(pos));
  }

  /** A line longer than the cap: counted by its head (timestamp cut off), the rest skipped. */
  private cutOverlong(head: Buffer): void {
    this.carry = undefined;
    this.skipping = true;
    const sp = head.indexOf(SPACE);
    this.decoder.pushOversized(sp < 0 ? head : head.subarray(sp + 1));
  }

  private flushCarry(): void {
    // A line cut by a dropped connection is incomplete: it comes again after sinceTime.
    this.carry = undefined;
    this.skipping = false;
  }

  private onLine(buf: Buffer, start: number, end: number): void {
    const sp = buf.indexOf(SPACE, start);
    if (sp < 0 || sp >= end) {
      this.decoder.pushLine(buf.subarray(start, end));
      return;
    }
    const ts = buf.toString('latin1', start, sp);
    const key = timestampKey(ts);
    if (key < this.lastKey) {
      this.replayedLines++;
      return;
    }
    this.lastKey = key;
    this.lastTs = ts;
    this.decoder.pushLine(buf.subarray(sp + 1, end));
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.generation++;
    if (this.retry !== undefined) clearTimeout(this.retry);
    this.abort?.abort();
    this.status.up = false;
    this.decoder.end();
  }
}
