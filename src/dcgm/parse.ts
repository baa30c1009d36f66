/**
 * dcgm-exporter output -> readings per GPU (or MIG instance), with the pods dcgm-exporter
 * attributes to it (its Kubernetes pod mapping adds `namespace`, `pod` and `container`
 * labels, one series per pod using the GPU, so under time-slicing several pods appear on one
 * GPU). Read line by line ({@link DcgmAccumulator}), so a scrape can be parsed as it streams
 * in; only the sidecar's fields are kept, a malformed line is counted and skipped.
 *
 * With `--kubernetes-virtual-gpus` dcgm-exporter writes, for per-process fields (GPU_UTIL,
 * FB_USED), the device-level series (no pod label) and one series per pod with that pod's own
 * share. Device values come from the device-level series and are never overwritten by a pod's
 * share; the shares of the pod named in `options.pod` are kept apart in `podValues`.
 */
import { FIELD_BY_DCGM } from './fields.js';
import { Line, parseSeries, readName } from './text.js';

export interface GpuReading {
  /** UUID, plus `/<GPU_I_ID>` for a MIG instance. */
  readonly key: string;
  readonly uuid: string;
  readonly index: string;
  readonly model: string;
  readonly migProfile: string;
  readonly migInstance: string;
  /** Field key -> value in base units, for the whole GPU (or MIG instance). */
  readonly values: Map<string, number>;
  /** Field key -> this pod's own share, where dcgm-exporter splits a field per pod (virtual GPUs). */
  readonly podValues: Map<string, number>;
  /** `namespace/pod` of every pod dcgm-exporter maps to this GPU. */
  readonly pods: Set<string>;
}

export class DcgmParseError extends Error {}

/** At most this many GPUs (MIG instances included) and pods per GPU are kept from one scrape. */
export const MAX_GPUS = 64;
export const MAX_PODS_PER_GPU = 256;

export interface ParseOptions {
  /** `namespace/pod` whose per-pod shares go to `podValues`; its GPU is kept beyond {@link MAX_GPUS}. */
  pod?: string;
  /** GPU UUIDs and index that are kept beyond {@link MAX_GPUS} too (the sidecar's selector). */
  uuids?: readonly string[];
  index?: string;
}

export class DcgmAccumulator {
  readonly gpus = new Map<string, GpuReading>();
  /** Lines that are neither comments nor readable series. */
  badLines = 0;
  /** Series dropped because the GPU or pod caps were reached. */
  droppedSeries = 0;
  private fieldsSeen = 0;
  /** `key|field` of the values that came from a device-level series (no pod label). */
  private readonly deviceLevel = new Set<string>();

  constructor(private readonly opts: ParseOptions = {}) {}

  line(text: string): void {
    const name = readName(text);
    if (name === Line.comment) return;
    if (name === Line.bad) {
      this.badLines++;
      return;
    }
    const field = FIELD_BY_DCGM.get(name);
    if (field === undefined) return; // not a field the sidecar reads: no need to parse it
    const s = parseSeries(text, name);
    if (s === undefined) {
      this.badLines++;
      return;
    }
    const labels = s.labels;
    const uuid = labels.UUID ?? labels.uuid ?? '';
    if (uuid === '') return; // label-less series: not a GPU's
    const migInstance = labels.GPU_I_ID ?? '';
    const key = migInstance === '' ? uuid : `${uuid}/${migInstance}`;
    const pod = (labels.pod ?? '') === '' ? undefined : `${labels.namespace ?? ''}/${labels.pod}`;
    const g = this.gpu(key, uuid, migInstance, labels, pod);
    if (g === undefined) return;
    if (pod !== undefined) {
      if (g.pods.size < MAX_PODS_PER_GPU) g.pods.add(pod);
      else if (!g.pods.has(pod)) this.droppedSeries++;
    }
    if (!Number.isFinite(s.value)) return;
    const v = field.toBase(s.value);
    const slot = `${key}|${field.key}`;
    if (pod === undefined) {
      g.values.set(field.key, v);
      this.deviceLevel.add(slot);
    } else {
      // Fanned-out copies carry the device value; split fields carry the pod's share.
      if (!this.deviceLevel.has(slot) && !g.values.has(field.key)) g.values.set(field.key, v);
      if (pod === this.opts.pod) g.podValues.set(field.key, v);
    }
    this.fieldsSeen++;
  }

  private gpu(
    key: string,
    uuid: string,
    migInstance: string,
    labels: Record<string, string>,
    pod: string | undefined,
  ): GpuReading | undefined {
    let g = this.gpus.get(key);
    if (g !== undefined) return g;
    const o = this.opts;
    const wanted =
      (pod !== undefined && pod === o.pod) || o.uuids?.includes(uuid) === true || (o.index !== undefined && labels.gpu === o.index);
    if (this.gpus.size >= MAX_GPUS && !wanted) {
      this.droppedSeries++;
      return undefined;
    }
    g = {
      key,
      uuid,
      index: labels.gpu ?? '',
      model: labels.modelName ?? '',
      migProfile: labels.GPU_I_PROFILE ?? '',
      migInstance,
      values: new Map(),
      podValues: new Map(),
      pods: new Set(),
    };
    this.gpus.set(key, g);
    return g;
  }

  /** The readings; throws when the text held no usable field at all. */
  result(): Map<string, GpuReading> {
    if (this.fieldsSeen === 0) throw new DcgmParseError('no DCGM_FI_* field with a UUID label and a numeric value');
    return this.gpus;
  }
}

/** Parses a whole scrape held in memory (recordings, tests); the scraper streams into a {@link DcgmAccumulator}. */
export function parseDcgm(text: string, opts: ParseOptions = {}): Map<string, GpuReading> {
  const acc = new DcgmAccumulator(opts);
  let s = 0;
  for (let nl = text.indexOf('\n'); s < text.length; nl = text.indexOf('\n', s)) {
    const e = nl < 0 ? text.length : nl;
    acc.line(text.slice(s, e));
    s = e + 1;
  }
  return acc.result();
}
