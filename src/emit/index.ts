/**
 * KTS_APP v1 emitter for workloads written in TypeScript or JavaScript (interfaces.md section 1):
 *
 *   import { KtsEmitter } from 'kts-exporter/emit';
 *   const emit = new KtsEmitter('embed-infer', { phase: 'serving' });
 *   const out = await emit.time(() => session.run(feeds));        // wall clock only
 *   await emit.time(() => gpuJob(), (result) => result.gpuMs);    // plus the device time you measured
 *
 * Epoch nanoseconds come from a monotonic clock anchored once to the wall clock, so spans are
 * exact to the nanosecond and never negative. Writes one line per iteration to stdout (or the
 * given stream); a workload with no device timer of its own gets device_ms = the wall span.
 */
import { formatLine } from '../line/format.js';
import { MAX_WORKLOAD_LENGTH } from '../line/types.js';

export interface EmitterOptions {
  /** Label written on every line (`warmup` lines are never counted). No commas. */
  phase?: string;
  /** Where lines go; default process.stdout. */
  write?: (line: string) => void;
  /** First iteration number; default 0. */
  firstIteration?: number;
}

const NAME = /^[A-Za-z0-9_.-]+$/;

export class KtsEmitter {
  readonly workload: string;
  private phase: string;
  private next: number;
  private readonly write: (line: string) => void;
  private readonly epochAnchorNs: bigint;
  private readonly hrAnchorNs: bigint;

  constructor(workload: string, opts: EmitterOptions = {}) {
    if (!NAME.test(workload) || workload.length > MAX_WORKLOAD_LENGTH)
      throw new RangeError(`workload must match [A-Za-z0-9_.-]{1,${MAX_WORKLOAD_LENGTH}}: ${JSON.stringify(workload)}`);
    this.workload = workload;
    this.phase = checkPhase(opts.phase ?? '');
    this.next = opts.firstIteration ?? 0;
    this.write = opts.write ?? ((line) => process.stdout.write(`${line}\n`));
    this.epochAnchorNs = BigInt(Date.now()) * 1_000_000n;
    this.hrAnchorNs = process.hrtime.bigint();
  }

  /** Epoch nanoseconds now (monotonic after construction). */
  nowNs(): bigint {
    return this.epochAnchorNs + (process.hrtime.bigint() - this.hrAnchorNs);
  }

  setPhase(phase: string): void {
    this.phase = checkPhase(phase);
  }

  /** Writes one line for an iteration timed by the caller; returns it. */
  emit(startNs: bigint, endNs: bigint, deviceMs?: number): string {
    if (endNs < startNs) throw new RangeError('endNs is before startNs');
    const device = deviceMs ?? Number(endNs - startNs) / 1e6;
    if (!(device >= 0) || !Number.isFinite(device)) throw new RangeError(`deviceMs must be a finite number >= 0: ${deviceMs}`);
    const line = formatLine({
      workload: this.workload,
      iteration: this.next++,
      startNs: startNs.toString(),
      endNs: endNs.toString(),
      deviceMs: device.toFixed(6),
      phase: this.phase,
    });
    this.write(line);
    return line;
  }

  /** Runs one iteration and emits its line; `deviceMsOf` reads a device time from the result. */
  async time<T>(fn: () => T | Promise<T>, deviceMsOf?: (result: T) => number): Promise<T> {
    const start = this.nowNs();
    const result = await fn();
    const end = this.nowNs();
    this.emit(start, end, deviceMsOf?.(result));
    return result;
  }
}

function checkPhase(phase: string): string {
  if (/[,\r\n]/.test(phase)) throw new RangeError(`phase must not contain ',' or a line break: ${JSON.stringify(phase)}`);
  return phase;
}
