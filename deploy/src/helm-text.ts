/**
 * Helm template text from plain Kubernetes objects: a value that must come from the chart's
 * values is replaced by a marker, the object is written as YAML, and each marker's line is
 * then replaced by its template snippet, indented where the key was. Strings that name the
 * namespace or the image are replaced everywhere.
 */
import { Document, isScalar, stringify, visit } from 'yaml';

/** Template lines for `key` at `indent` spaces (the snippet indents every line it returns). */
export type Snippet = (indent: number, key: string) => string[];

const MARKER = /^(\s*)([^\s:]+): __kts_(\d+)__$/;
const pad = (n: number): string => ' '.repeat(n);

export class Templater {
  private readonly snippets: Snippet[] = [];

  /** A marker to put where a value goes: its line becomes the snippet's lines. */
  mark(snippet: Snippet): string {
    this.snippets.push(snippet);
    return `__kts_${this.snippets.length - 1}__`;
  }

  /** The object as YAML with every marker replaced and the namespace and image templated. */
  render(obj: unknown, image: RegExp): string {
    const lines = yamlOf(obj).trimEnd().split('\n');
    const out = lines.flatMap((line) => {
      const m = MARKER.exec(line);
      if (m === null) return [line];
      const snippet = this.snippets[Number(m[3])];
      if (snippet === undefined) throw new Error(`unknown marker in ${line}`);
      return snippet((m[1] ?? '').length, m[2] ?? '');
    });
    const text = out.join('\n');
    if (/__kts_\d+__/.test(text)) throw new Error(`a marker was left in:\n${text}`);
    return `${text.replace(/kts-system/g, '{{ $.Release.Namespace }}').replace(image, '{{ include "kts.image" $ }}')}\n`;
  }
}

/** YAML with strings that start with ':' quoted (':8443' reads as a string to every parser). */
function yamlOf(obj: unknown): string {
  const d = new Document(obj);
  visit(d, {
    Scalar(_key, node) {
      if (isScalar(node) && typeof node.value === 'string' && node.value.startsWith(':')) node.type = 'QUOTE_DOUBLE';
    },
  });
  return d.toString({ lineWidth: 0 });
}

/** `key: <expression>` on one line. */
export const inline =
  (expr: string): Snippet =>
  (n, key) => [`${pad(n)}${key}: ${expr}`];

/** `key:` with a values entry below it, always written. */
export const block =
  (path: string): Snippet =>
  (n, key) => [`${pad(n)}${key}:`, `${pad(n + 2)}{{- toYaml ${path} | nindent ${n + 2} }}`];

/** `key:` with a values entry below it, left out when that entry is empty. */
export const optional =
  (path: string): Snippet =>
  (n, key) => [
    `${pad(n)}{{- with ${path} }}`,
    `${pad(n)}${key}:`,
    `${pad(n + 2)}{{- toYaml . | nindent ${n + 2} }}`,
    `${pad(n)}{{- end }}`,
  ];

/** `labels:`: the object's own labels, the chart's common labels and any extra template lines. */
export const labels =
  (own: Record<string, string>, extra: string[] = []): Snippet =>
  (n, key) => [
    `${pad(n)}${key}:`,
    ...stringify(own)
      .trimEnd()
      .split('\n')
      .filter((l) => l !== '{}')
      .map((l) => `${pad(n + 2)}${l}`),
    `${pad(n + 2)}{{- include "kts.labels" $ | nindent ${n + 2} }}`,
    ...extra.map((l) => `${pad(n + 2)}${l}`),
  ];
