/**
 * The one small interface every log source implements. A source reads its input and hands
 * bytes or whole lines to its own {@link LineDecoder}; it never parses or counts itself.
 */
import type { LineDecoder } from '../line/decoder.js';

export interface SourceStatus {
  /** As given on the command line, e.g. `file:/logs/app.log`. */
  readonly name: string;
  up: boolean;
  /** Re-opens by reason (rotated, truncated, recreated, reconnect, ...). */
  readonly restarts: Map<string, number>;
  lastError: string | undefined;
}

export interface Source {
  readonly status: SourceStatus;
  readonly decoder: LineDecoder;
  /** False for sources whose input may be away without the sidecar being unready (prom:). */
  readonly gatesReadiness?: boolean;
  start(): Promise<void>;
  /** Stops reading; resolves once no more samples will be delivered. */
  stop(): Promise<void>;
}

/** A status with a zero count for each restart reason the source knows, so the counters exist from the start. */
export function newStatus(name: string, reasons: readonly string[] = []): SourceStatus {
  return { name, up: false, restarts: new Map(reasons.map((r) => [r, 0])), lastError: undefined };
}

export function countRestart(status: SourceStatus, reason: string): void {
  status.restarts.set(reason, (status.restarts.get(reason) ?? 0) + 1);
}
