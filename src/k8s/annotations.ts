/**
 * The pod's own `kts.dev/*` annotations, read from a downward-API volume file (the kubelet
 * writes `key="value"` lines, values quoted as Go's strconv.Quote, and replaces the file when
 * annotations change). No API access is needed for them.
 */
import { readFile } from 'node:fs/promises';

export const ANNOTATIONS = {
  profile: 'kts.dev/profile',
  dfWarning: 'kts.dev/df-warning',
  dfCritical: 'kts.dev/df-critical',
} as const;

export function parseAnnotationsFile(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=');
    if (eq <= 0) continue;
    const key = line.slice(0, eq);
    const raw = line.slice(eq + 1).trim();
    let value: string;
    try {
      // Go's quoting of printable text is valid JSON string syntax.
      value = raw.startsWith('"') ? (JSON.parse(raw) as string) : raw;
    } catch {
      value = raw.slice(1, -1);
    }
    out.set(key, value);
  }
  return out;
}

export interface PodOverrides {
  profile?: string;
  dfWarning?: number;
  dfCritical?: number;
}

/** The overrides the annotations carry; bad values are reported, not applied. */
export function overridesFrom(annotations: ReadonlyMap<string, string>): { overrides: PodOverrides; errors: string[] } {
  const overrides: PodOverrides = {};
  const errors: string[] = [];
  const profile = annotations.get(ANNOTATIONS.profile);
  if (profile !== undefined && profile !== '') overrides.profile = profile;
  for (const key of ['dfWarning', 'dfCritical'] as const) {
    const raw = annotations.get(ANNOTATIONS[key]);
    if (raw === undefined || raw === '') continue;
    const v = Number(raw);
    if (Number.isFinite(v) && v >= 1) overrides[key] = v;
    else errors.push(`annotation ${ANNOTATIONS[key]}="${raw}" is not a number >= 1; ignored`);
  }
  return { overrides, errors };
}

export async function readPodOverrides(path: string): Promise<{ overrides: PodOverrides; errors: string[] }> {
  try {
    return overridesFrom(parseAnnotationsFile(await readFile(path, 'utf8')));
  } catch (err) {
    return { overrides: {}, errors: [`cannot read ${path}: ${(err as Error).message}`] };
  }
}
