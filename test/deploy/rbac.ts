/** What an RBAC manifest grants a role, as `verb resource` strings (ClusterRole and Role alike). */
import { readFileSync } from 'node:fs';
import { parseAllDocuments } from 'yaml';

interface RoleDoc {
  kind: string;
  metadata?: { name?: string };
  rules?: { resources: string[]; verbs: string[] }[];
}

export function granted(path: string, role: string): Set<string> {
  const docs = parseAllDocuments(readFileSync(path, 'utf8')).map((d) => d.toJS() as RoleDoc);
  return new Set(
    docs
      .filter((d) => (d.kind === 'ClusterRole' || d.kind === 'Role') && d.metadata?.name === role)
      .flatMap((r) => (r.rules ?? []).flatMap((rule) => rule.resources.flatMap((res) => rule.verbs.map((v) => `${v} ${res}`)))),
  );
}
