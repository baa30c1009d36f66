/**
 * The one place the CLI makes a pino logger. pino is a CommonJS module; imported statically here,
 * esbuild's interop gives the bundle its named `pino` export. A lazy `await import('pino')` in a
 * command did not: the bundle's split chunk for it has a default export only ("pino is not a
 * function"), so commands lazily import this module instead of pino itself.
 */
import { type Logger, pino } from 'pino';
import type { LogLevel } from './log-level.js';

export function createLogger(level: LogLevel, component: string): Logger {
  return pino({ level, base: { component } });
}
