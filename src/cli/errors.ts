/** Errors the CLI turns into exit codes: usage (2) and runtime (1). */
export class UsageError extends Error {
  readonly exitCode = 2;
}

export class RuntimeError extends Error {
  readonly exitCode = 1;
}

/**
 * Checks required flags after commander has parsed (so an unknown flag is reported first).
 * Names the first one missing, in the order given.
 */
export function requireFlags<T extends object, K extends keyof T>(flags: T, names: readonly K[]): Required<Pick<T, K>> {
  for (const n of names) {
    if (flags[n] === undefined) {
      const flag = String(n).replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new UsageError(`missing required option --${flag}`);
    }
  }
  return flags as Required<Pick<T, K>>;
}
