/** `--log-level` values (pino's), checked at start-up without loading pino. */
import { UsageError } from './errors.js';

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Checks a `--log-level` value; a bad one is a usage error naming the flag. */
export function logLevel(value: string): LogLevel {
  if (!(LOG_LEVELS as readonly string[]).includes(value))
    throw new UsageError(`invalid --log-level: '${value}' (${LOG_LEVELS.join(', ')})`);
  return value as LogLevel;
}
