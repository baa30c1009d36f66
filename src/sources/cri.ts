/**
 * `cri:<container>`: the kubelet's log files of the sidecar's own pod, for clusters that
 * allow a read-only hostPath of /var/log/pods. Layout (kubelet):
 * `<root>/<namespace>_<pod>_<uid>/<container>/<restartCount>.log`, CRI lines
 * (`<RFC3339Nano> stdout F <line>`). Kubelet's rotation (rename to `N.log.<time>`, new
 * `N.log`) is followed by the file tail; a container restart starts `N+1.log`, which is
 * picked up by polling the directory and read from its start.
 */
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { PodRef } from '../k8s/client.js';
import type { LineDecoder } from '../line/decoder.js';
import { Backoff } from './backoff.js';
import { FILE_RESTART_REASONS, FileSource } from './file.js';
import { countRestart, newStatus, type Source, type SourceStatus } from './source.js';

export interface CriSourceOptions {
  /** Default /var/log/pods. */
  root?: string;
  /** The pod's UID (downward API metadata.uid), when known; else the directory is found by prefix. */
  podUid?: string;
  pollMs?: number;
  fromBeginning?: boolean;
  onError?: (message: string) => void;
}

const LOG_FILE = /^(\d+)\.log$/;

export class CriSource implements Source {
  readonly status: SourceStatus;
  private file: FileSource | undefined;
  private current: number | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private switching: Promise<void> = Promise.resolve();
  private readonly backoff = new Backoff(250, 10_000);
  private nextCheck = 0;

  constructor(
    private readonly pod: PodRef,
    private readonly container: string,
    readonly decoder: LineDecoder,
    private readonly opts: CriSourceOptions = {},
  ) {
    this.status = newStatus(`cri:${container}`, [...FILE_RESTART_REASONS, 'container-restart']);
  }

  async start(): Promise<void> {
    await this.check();
    this.timer = setInterval(() => {
      this.switching = this.switching.then(() => this.check());
    }, this.opts.pollMs ?? 1000);
    this.timer.unref();
  }

  /** The container's log directory and its newest `<n>.log`, or why there is none. */
  private async locate(): Promise<{ dir: string; n: number } | { error: string }> {
    const root = this.opts.root ?? '/var/log/pods';
    const prefix = `${this.pod.namespace}_${this.pod.name}_`;
    let podDir: string | undefined;
    try {
      const entries = await readdir(root);
      podDir =
        this.opts.podUid !== undefined
          ? entries.find((e) => e === `${prefix}${this.opts.podUid}`)
          : entries.find((e) => e.startsWith(prefix));
    } catch (err) {
      return { error: `cannot read ${root}: ${(err as Error).message}` };
    }
    if (podDir === undefined) return { error: `no ${prefix}* directory under ${root}` };
    const dir = join(root, podDir, this.container);
    let files: string[];
    try {
      files = await readdir(dir);
    } catch {
      return { error: `no container directory ${dir}` };
    }
    let n = -1;
    for (const f of files) {
      const m = LOG_FILE.exec(f);
      if (m !== null) n = Math.max(n, Number(m[1]));
    }
    return n < 0 ? { error: `no <n>.log in ${dir}` } : { dir, n };
  }

  private async check(): Promise<void> {
    if (this.stopped || Date.now() < this.nextCheck) return;
    const found = await this.locate();
    if ('error' in found) {
      if (this.file === undefined) {
        this.status.up = false;
        if (this.status.lastError !== found.error) this.opts.onError?.(found.error);
        this.status.lastError = found.error;
        this.nextCheck = Date.now() + this.backoff.next();
      }
      return;
    }
    this.backoff.reset();
    if (this.current === found.n && this.file !== undefined) return;
    const first = this.file === undefined;
    if (this.file !== undefined) {
      await this.file.stop();
      countRestart(this.status, 'container-restart');
    }
    if (this.stopped) return;
    this.current = found.n;
    const readAll = !first || this.opts.fromBeginning !== false;
    this.file = new FileSource(join(found.dir, `${found.n}.log`), this.decoder, {
      fromBeginning: readAll,
      status: this.status,
      ...(this.opts.onError !== undefined ? { onError: this.opts.onError } : {}),
    });
    await this.file.start();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) clearInterval(this.timer);
    await this.switching;
    if (this.file !== undefined) await this.file.stop();
    else this.decoder.end();
    this.status.up = false;
  }
}
