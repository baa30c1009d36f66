/** Argument parsers for commander: each throws a one-line InvalidArgumentError naming the problem. */
import { InvalidArgumentError } from 'commander';

export function nonNegativeInt(value: string): number {
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError(`expected a non-negative integer, got '${value}'`);
  const n = Number(value);
  if (!Number.isSafeInteger(n)) throw new InvalidArgumentError(`'${value}' is too large`);
  return n;
}

export function positiveNumber(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`expected a positive number, got '${value}'`);
  return n;
}

/** Comma-separated subset of `allowed`. */
export function listOf<T extends string>(allowed: readonly T[]): (value: string) => Set<T> {
  return (value: string) => {
    const parts = value
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s.length > 0);
    if (parts.length === 0) throw new InvalidArgumentError(`expected one or more of ${allowed.join(',')}`);
    const out = new Set<T>();
    for (const p of parts) {
      if (!(allowed as readonly string[]).includes(p)) {
        throw new InvalidArgumentError(`'${p}' is not one of ${allowed.join(', ')}`);
      }
      out.add(p as T);
    }
    return out;
  };
}

/** Repeatable option: `--from a --from b` or `--from a b`. */
export function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
