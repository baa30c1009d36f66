/**
 * `kts inject -f`: the sidecar injected into the pod templates of a YAML manifest without
 * changing what the rest of it means. Read the way kubectl reads it (YAML 1.1: `0755` is octal,
 * `yes`/`on` are booleans unless quoted), and edited in place: only the nodes the injection adds
 * or changes are written, so every other scalar keeps its form (0755 stays 0755, "yes" stays
 * quoted) and comments and key order stay where the yaml library keeps them.
 */
import jsonpatch from 'fast-json-patch';
import { type Document, parseAllDocuments } from 'yaml';
import { type InjectOptions, injectPod, type PodLike } from './inject.js';

/** Kinds whose pod template sits at spec.template. */
const TEMPLATE_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'ReplicationController', 'Job']);

type Json = Record<string, unknown>;
const isObject = (v: unknown): v is Json => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Where a kind keeps its pod (template): a path of keys from the document's root. */
export function podPath(doc: Json): string[] | undefined {
  const kind = String(doc.kind);
  if (kind === 'Pod') return [];
  if (TEMPLATE_KINDS.has(kind)) return ['spec', 'template'];
  if (kind === 'CronJob') return ['spec', 'jobTemplate', 'spec', 'template'];
  return undefined;
}

/** Pod templates nested anywhere in an object of another kind (PyTorchJob, RayCluster...). */
export function nestedTemplates(v: unknown, path: string[] = []): string[] {
  if (Array.isArray(v)) return v.flatMap((x, i) => nestedTemplates(x, [...path, String(i)]));
  if (!isObject(v)) return [];
  const spec = v.spec;
  if (path.at(-1) === 'template' && isObject(spec) && Array.isArray(spec.containers)) return [path.join('.')];
  return Object.entries(v).flatMap(([k, x]) => nestedTemplates(x, [...path, k]));
}

const unescapePointer = (seg: string): string => seg.replace(/~1/g, '/').replace(/~0/g, '~');

/** Applies the JSON Patch ops (relative to `prefix`) to the YAML document in place. */
function patchDocument(doc: Document, prefix: readonly string[], ops: readonly jsonpatch.Operation[]): void {
  for (const op of ops) {
    const path = [...prefix, ...op.path.split('/').slice(1).map(unescapePointer)];
    if (op.op === 'add' || op.op === 'replace') doc.setIn(path, doc.createNode(op.value));
    else if (op.op === 'remove') doc.deleteIn(path);
    else throw new Error(`unexpected patch op ${op.op}`);
  }
}

export interface ManifestResult {
  text: string;
  /** One line per object left alone or injected with warnings, for stderr. */
  notes: string[];
}

export function injectManifest(text: string, opts: InjectOptions): ManifestResult {
  const docs = parseAllDocuments(text, { version: '1.1' });
  if (!Array.isArray(docs)) throw new Error('not a YAML stream');
  const out: string[] = [];
  const notes: string[] = [];
  for (const d of docs) {
    if (d.errors.length > 0) throw new Error(d.errors[0]?.message ?? 'invalid YAML');
    const obj = d.toJS() as unknown;
    if (isObject(obj)) {
      const name = `${String(obj.kind)}/${String((obj.metadata as Json | undefined)?.name ?? '?')}`;
      const at = podPath(obj);
      const pod =
        at === undefined ? undefined : (at.reduce<unknown>((o, k) => (isObject(o) ? o[k] : undefined), obj) as PodLike | undefined);
      if (at !== undefined && isObject(pod)) {
        const r = injectPod(pod, opts);
        if (r.injected) {
          patchDocument(d, at, jsonpatch.compare(pod, r.pod));
          for (const w of r.warnings) notes.push(`${name}: ${w}`);
        } else notes.push(`${name} left as is: ${r.reason}`);
      } else {
        const nested = at === undefined ? nestedTemplates(obj) : [];
        if (nested.length > 0)
          notes.push(
            `${name} left as is: a custom resource with pod templates (${nested.join(', ')}); label them kts.dev/inject=true and let the webhook inject the pods`,
          );
      }
    }
    const s = d.toString({ flowCollectionPadding: false }).replace(/\n$/, '');
    out.push(out.length > 0 && !s.startsWith('---') ? `---\n${s}` : s);
  }
  return { text: out.join('\n'), notes };
}
