/**
 * The dcgm-exporter fields the sidecar reads, with dcgm-exporter's own metric names (its
 * default-counters.csv and dcp-metrics-included.csv) and the conversion to base units.
 * Profiling fields (DCGM_FI_PROF_*) are ratios 0-1 already; DEV utilisations are percent.
 */
export interface DcgmField {
  readonly dcgm: string;
  /** Key in readings and the suffix of the kts_gpu_* metric. */
  readonly key: string;
  readonly toBase: (v: number) => number;
  readonly help: string;
}

const same = (v: number): number => v;
const percent = (v: number): number => v / 100;
const mib = (v: number): number => v * 1024 * 1024;
const mhz = (v: number): number => v * 1e6;

export const DCGM_FIELDS: readonly DcgmField[] = [
  {
    dcgm: 'DCGM_FI_PROF_SM_ACTIVE',
    key: 'sm_active_ratio',
    toBase: same,
    help: 'Share of cycles an SM had at least one warp assigned (DCGM_FI_PROF_SM_ACTIVE).',
  },
  {
    dcgm: 'DCGM_FI_PROF_GR_ENGINE_ACTIVE',
    key: 'graphics_engine_active_ratio',
    toBase: same,
    help: 'Share of time the graphics/compute engine was active (DCGM_FI_PROF_GR_ENGINE_ACTIVE).',
  },
  {
    dcgm: 'DCGM_FI_DEV_GPU_UTIL',
    key: 'utilization_ratio',
    toBase: percent,
    help: 'GPU utilisation as a ratio (DCGM_FI_DEV_GPU_UTIL / 100).',
  },
  {
    dcgm: 'DCGM_FI_PROF_DRAM_ACTIVE',
    key: 'dram_active_ratio',
    toBase: same,
    help: 'Share of cycles the device memory interface was busy (DCGM_FI_PROF_DRAM_ACTIVE).',
  },
  {
    dcgm: 'DCGM_FI_DEV_MEM_COPY_UTIL',
    key: 'memory_copy_utilization_ratio',
    toBase: percent,
    help: 'Memory copy utilisation as a ratio (DCGM_FI_DEV_MEM_COPY_UTIL / 100).',
  },
  {
    dcgm: 'DCGM_FI_DEV_FB_USED',
    key: 'framebuffer_used_bytes',
    toBase: mib,
    help: 'Framebuffer memory used, bytes (DCGM_FI_DEV_FB_USED, MiB).',
  },
  {
    dcgm: 'DCGM_FI_DEV_FB_FREE',
    key: 'framebuffer_free_bytes',
    toBase: mib,
    help: 'Framebuffer memory free, bytes (DCGM_FI_DEV_FB_FREE, MiB).',
  },
  { dcgm: 'DCGM_FI_DEV_POWER_USAGE', key: 'power_watts', toBase: same, help: 'Power draw, watts (DCGM_FI_DEV_POWER_USAGE).' },
  { dcgm: 'DCGM_FI_DEV_SM_CLOCK', key: 'sm_clock_hertz', toBase: mhz, help: 'SM clock, hertz (DCGM_FI_DEV_SM_CLOCK, MHz).' },
  {
    dcgm: 'DCGM_FI_DEV_XID_ERRORS',
    key: 'xid_error',
    toBase: same,
    help: 'Value of the last XID error (DCGM_FI_DEV_XID_ERRORS; 0 = none).',
  },
];

export const FIELD_BY_DCGM: ReadonlyMap<string, DcgmField> = new Map(DCGM_FIELDS.map((f) => [f.dcgm, f]));
