/**
 * Reads one histogram family out of a Prometheus text exposition (format 0.0.4, as served by
 * prometheus_client, client_golang, prom-client and Rust's prometheus crate): its cumulative
 * buckets, count and sum, summed over every series whose labels match a filter. Pure: no I/O.
 * Only the lines of the wanted family are looked at, so a large body costs one line scan.
 */

/** The histogram of one scrape, summed over the matching series. */
export interface HistogramReading {
  /** The family found (the first of the names asked for that is present). */
  readonly name: string;
  /** Finite upper bounds, ascending, in the family's own unit. */
  readonly bounds: number[];
  /** Cumulative counts aligned with `bounds`, then the +Inf bucket last. */
  readonly cumulative: number[];
  readonly count: number;
  readonly sum: number;
  /** Matching series (before summing). */
  readonly series: number;
}

export type ReadProblem = 'missing_histogram' | 'missing_bucket' | 'not_finite' | 'layout_mismatch';

export type ReadResult = { ok: true; reading: HistogramReading } | { ok: false; problem: ReadProblem; message: string };

interface Line {
  suffix: 'bucket' | 'count' | 'sum';
  labels: Map<string, string>;
  value: number;
}

const SUFFIXES = ['_bucket', '_count', '_sum'] as const;

/** Parses `{a="x",b="y"}` (with \\ \" \n escapes); undefined when malformed. */
export function parseLabels(text: string): Map<string, string> | undefined {
  const out = new Map<string, string>();
  let i = 0;
  while (i < text.length) {
    while (text[i] === ' ' || text[i] === ',') i++;
    if (i >= text.length) break;
    const eq = text.indexOf('=', i);
    if (eq < 0 || text[eq + 1] !== '"') return undefined;
    const key = text.slice(i, eq).trim();
    let value = '';
    let j = eq + 2;
    for (; j < text.length && text[j] !== '"'; j++) {
      if (text[j] === '\\') {
        j++;
        value += text[j] === 'n' ? '\n' : (text[j] ?? '');
      } else value += text[j];
    }
    if (j >= text.length) return undefined;
    out.set(key, value);
    i = j + 1;
  }
  return out;
}

/** Parses a sample value as the text format writes it (NaN, +Inf, -Inf allowed). */
export function parseValue(text: string): number {
  if (text === 'NaN') return Number.NaN;
  if (text === '+Inf' || text === 'Inf') return Number.POSITIVE_INFINITY;
  if (text === '-Inf') return Number.NEGATIVE_INFINITY;
  const v = Number(text);
  return text === '' ? Number.NaN : v;
}

function linesOf(text: string, family: string): Line[] {
  const out: Line[] = [];
  let at = text.indexOf(family);
  while (at >= 0) {
    const lineStart = text.lastIndexOf('\n', at) + 1;
    let end = text.indexOf('\n', at);
    if (end < 0) end = text.length;
    if (lineStart === at) {
      const line = text.slice(at, end).trimEnd();
      const rest = line.slice(family.length);
      const suffix = SUFFIXES.find((s) => rest.startsWith(s) && (rest[s.length] === '{' || rest[s.length] === ' '));
      if (suffix !== undefined) {
        const body = rest.slice(suffix.length);
        const close = body.startsWith('{') ? body.lastIndexOf('}') : -1;
        const labels = body.startsWith('{') ? (close < 0 ? undefined : parseLabels(body.slice(1, close))) : new Map<string, string>();
        const valueText = (close < 0 ? body : body.slice(close + 1)).trim().split(/\s+/)[0] ?? '';
        if (labels !== undefined) out.push({ suffix: suffix.slice(1) as Line['suffix'], labels, value: parseValue(valueText) });
      }
    }
    at = text.indexOf(family, end);
  }
  return out;
}

function matches(labels: Map<string, string>, filter: ReadonlyMap<string, string>): boolean {
  for (const [k, v] of filter) if (labels.get(k) !== v) return false;
  return true;
}

/** The series identity without `le`, to group a series' buckets. */
function seriesKey(labels: Map<string, string>): string {
  return [...labels]
    .filter(([k]) => k !== 'le')
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => `${k}=${JSON.stringify(v)}`)
    .join(',');
}

/**
 * The first family of `names` present in `text`, its matching series summed. Every matching
 * series must have the same finite bucket bounds and a +Inf bucket.
 */
export function readHistogram(text: string, names: readonly string[], filter: ReadonlyMap<string, string>): ReadResult {
  for (const name of names) {
    const lines = linesOf(text, name).filter((l) => matches(l.labels, filter));
    if (lines.length === 0) continue;
    const perSeries = new Map<string, Map<number, number>>();
    let count = 0;
    let sum = 0;
    for (const l of lines) {
      // _sum may be NaN forever after one NaN observation; it is not used for quantiles.
      if (l.suffix === 'count') count += l.value;
      else if (l.suffix === 'sum') sum += l.value;
      else {
        const le = parseValue(l.labels.get('le') ?? '');
        if (Number.isNaN(le) || !Number.isFinite(l.value))
          return {
            ok: false,
            problem: Number.isNaN(le) ? 'missing_bucket' : 'not_finite',
            message: `${name}_bucket le="${l.labels.get('le') ?? ''}" is ${l.value}`,
          };
        const key = seriesKey(l.labels);
        let s = perSeries.get(key);
        if (s === undefined) {
          s = new Map();
          perSeries.set(key, s);
        }
        s.set(le, l.value);
      }
    }
    if (perSeries.size === 0) return { ok: false, problem: 'missing_bucket', message: `${name} has no _bucket series` };
    let bounds: number[] | undefined;
    const cumulative: number[] = [];
    for (const s of perSeries.values()) {
      if (!s.has(Number.POSITIVE_INFINITY))
        return { ok: false, problem: 'missing_bucket', message: `${name} has a series without le="+Inf"` };
      const les = [...s.keys()].sort((a, b) => a - b);
      const finite = les.slice(0, -1);
      if (bounds === undefined) {
        bounds = finite;
        for (let i = 0; i < les.length; i++) cumulative.push(0);
      } else if (finite.length !== bounds.length || finite.some((b, i) => b !== bounds?.[i]))
        return { ok: false, problem: 'layout_mismatch', message: `${name}: series disagree on their bucket bounds` };
      for (let i = 0; i < les.length; i++) cumulative[i] = (cumulative[i] as number) + (s.get(les[i] as number) as number);
    }
    return { ok: true, reading: { name, bounds: bounds ?? [], cumulative, count, sum, series: perSeries.size } };
  }
  return { ok: false, problem: 'missing_histogram', message: `none of ${names.join(', ')} matching the label filter` };
}
