/**
 * One dcgm-exporter scrape -> readings per GPU (or MIG instance), with the pods
 * dcgm-exporter attributes to it (its Kubernetes pod mapping adds `namespace`, `pod` and
 * `container` labels, one series per pod using the GPU, so under time-slicing several pods
 * appear on one GPU). Parsing is parse-prometheus-text-format's; this only groups.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { FIELD_BY_DCGM } from './fields.js';

export interface GpuReading {
  /** UUID, plus `/<GPU_I_ID>` for a MIG instance. */
  readonly key: string;
  readonly uuid: string;
  readonly index: string;
  readonly model: string;
  readonly migProfile: string;
  readonly migInstance: string;
  /** Field key -> value in base units. */
  readonly values: Map<string, number>;
  /** `namespace/pod` of every pod dcgm-exporter maps to this GPU. */
  readonly pods: Set<string>;
}

export class DcgmParseError extends Error {}

export function parseDcgm(text: string): Map<string, GpuReading> {
  let families: ReturnType<typeof parsePrometheusTextFormat>;
  try {
    families = parsePrometheusTextFormat(text);
  } catch (err) {
    throw new DcgmParseError((err as Error).message);
  }
  const gpus = new Map<string, GpuReading>();
  let fieldsSeen = 0;
  for (const family of families) {
    const field = FIELD_BY_DCGM.get(family.name);
    if (field === undefined) continue;
    for (const s of family.metrics) {
      const labels = s.labels ?? {};
      const uuid = labels.UUID ?? '';
      if (uuid === '') continue;
      const value = Number(s.value);
      const migInstance = labels.GPU_I_ID ?? '';
      const key = migInstance === '' ? uuid : `${uuid}/${migInstance}`;
      let g = gpus.get(key);
      if (g === undefined) {
        g = {
          key,
          uuid,
          index: labels.gpu ?? '',
          model: labels.modelName ?? '',
          migProfile: labels.GPU_I_PROFILE ?? '',
          migInstance,
          values: new Map(),
          pods: new Set(),
        };
        gpus.set(key, g);
      }
      if (Number.isFinite(value)) {
        g.values.set(field.key, field.toBase(value));
        fieldsSeen++;
      }
      if ((labels.pod ?? '') !== '') g.pods.add(`${labels.namespace ?? ''}/${labels.pod}`);
    }
  }
  if (fieldsSeen === 0) throw new DcgmParseError('no DCGM_FI_* field with a UUID label and a numeric value');
  return gpus;
}
