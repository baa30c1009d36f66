/**
 * One line of Prometheus text exposition as dcgm-exporter writes it, read tolerantly: its
 * template leaves `# HELP <name>` without text when a field has no help, may put a space after
 * a label comma, and fields without device labels come out label-less. Parsed by hand (no
 * RegExp, no per-line allocation beyond the labels of series that are kept): a scrape of a
 * large node is mostly lines to skip after reading their metric name.
 *
 * Not parse-prometheus-text-format (which reads kts's own output in report/live-run): it
 * needs the whole body as one string and throws on the whole text for any one of these lines
 * (`Encountered invalid line: # HELP A`), which lost every scrape of such an exporter.
 */

export interface SeriesLine {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** What {@link readName} found: the metric name of a series line, or why there is none. */
export const Line = { comment: 0, bad: 1 } as const;

const isNameStart = (c: number): boolean => (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 58;
const isNameChar = (c: number): boolean => isNameStart(c) || (c >= 48 && c <= 57);
const isSpace = (c: number): boolean => c === 32 || c === 9;

/** The metric name at the start of `line`, `Line.comment` for comments and blank lines, `Line.bad` otherwise. */
export function readName(line: string): string | (typeof Line)[keyof typeof Line] {
  let p = 0;
  while (p < line.length && isSpace(line.charCodeAt(p))) p++;
  if (p === line.length || line.charCodeAt(p) === 35 /* # */) return Line.comment;
  const s = p;
  if (!isNameStart(line.charCodeAt(p))) return Line.bad;
  while (p < line.length && isNameChar(line.charCodeAt(p))) p++;
  return line.slice(s, p);
}

/** Parses the labels and value of a series line whose name was read; undefined when malformed. */
export function parseSeries(line: string, name: string): SeriesLine | undefined {
  let p = line.indexOf(name) + name.length;
  const labels: Record<string, string> = {};
  const n = line.length;
  const skip = (): void => {
    while (p < n && isSpace(line.charCodeAt(p))) p++;
  };
  const afterName = p;
  skip();
  if (line.charCodeAt(p) !== 123 /* { */) p = afterName;
  else {
    p++;
    for (;;) {
      skip();
      if (line.charCodeAt(p) === 125 /* } */) {
        p++;
        break;
      }
      const ks = p;
      while (p < n && isNameChar(line.charCodeAt(p))) p++;
      if (p === ks) return undefined;
      const key = line.slice(ks, p);
      skip();
      if (line.charCodeAt(p) !== 61 /* = */) return undefined;
      p++;
      skip();
      if (line.charCodeAt(p) !== 34 /* " */) return undefined;
      p++;
      let value = '';
      let vs = p;
      for (;;) {
        if (p >= n) return undefined;
        const c = line.charCodeAt(p);
        if (c === 34) break;
        if (c === 92 /* \ */) {
          value += line.slice(vs, p);
          const e = line[p + 1];
          value += e === 'n' ? '\n' : (e ?? '');
          p += 2;
          vs = p;
          continue;
        }
        p++;
      }
      labels[key] = value + line.slice(vs, p);
      p++;
      skip();
      const sep = line.charCodeAt(p);
      if (sep === 44 /* , */) p++;
      else if (sep !== 125) return undefined;
    }
  }
  if (p < n && !isSpace(line.charCodeAt(p))) return undefined;
  skip();
  const vs = p;
  while (p < n && !isSpace(line.charCodeAt(p))) p++;
  if (p === vs) return undefined;
  const token = line.slice(vs, p);
  const value = token === '+Inf' ? Number.POSITIVE_INFINITY : token === '-Inf' ? Number.NEGATIVE_INFINITY : Number(token);
  if (Number.isNaN(value) && token !== 'NaN') return undefined;
  return { name, labels, value };
}
