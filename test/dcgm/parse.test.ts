import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DcgmAccumulator, DcgmParseError, parseDcgm } from '../../src/dcgm/parse.js';
import { selectGpu, uuidFromVisibleDevices } from '../../src/dcgm/select.js';
import { dcgmText } from './fake-dcgm.js';

const H100_A = 'GPU-927d7444-b45a-7c49-8402-5e686e46a026';
const H100_B = 'GPU-1c2b08c1-f602-d290-4519-863bc0c96079';

describe('dcgm-exporter output', () => {
  it('groups fields per GPU in base units, with the pods sharing it', () => {
    const gpus = parseDcgm(
      dcgmText([
        { index: 0, uuid: H100_A, pods: ['gpu/fft-0', 'gpu/gemm-0'], smActive: 0.71, utilPercent: 93 },
        { index: 1, uuid: H100_B, pods: ['batch/train-0'] },
      ]),
    );
    const a = gpus.get(H100_A);
    assert.ok(a !== undefined);
    assert.equal(a.index, '0');
    assert.equal(a.model, 'NVIDIA H100 80GB HBM3');
    assert.deepEqual([...a.pods].sort(), ['gpu/fft-0', 'gpu/gemm-0']);
    assert.equal(a.values.get('sm_active_ratio'), 0.71);
    assert.equal(a.values.get('utilization_ratio'), 0.93);
    assert.equal(a.values.get('framebuffer_used_bytes'), 20480 * 1024 * 1024);
    assert.equal(a.values.get('sm_clock_hertz'), 1980e6);
    assert.equal(a.values.get('power_watts'), 412.5);
    assert.equal(gpus.get(H100_B)?.pods.size, 1);
  });

  it('four pods time-sliced on one GPU', () => {
    const pods = ['gpu/fft-0', 'gpu/gemm-0', 'gpu/gemm-1', 'gpu/gemm-2'];
    const gpus = parseDcgm(dcgmText([{ index: 0, uuid: H100_A, pods }]));
    assert.equal(gpus.size, 1);
    assert.equal(gpus.get(H100_A)?.pods.size, 4);
    const sel = selectGpu(gpus, { pod: { namespace: 'gpu', name: 'gemm-2' } });
    assert.equal(sel.gpu?.uuid, H100_A);
  });

  it('MIG instances are separate GPUs, found by the pod mapping', () => {
    const gpus = parseDcgm(
      dcgmText([
        { index: 0, uuid: H100_A, mig: { profile: '3g.40gb', instance: 1 }, pods: ['gpu/gold-0'] },
        { index: 0, uuid: H100_A, mig: { profile: '1g.10gb', instance: 9 }, pods: ['batch/a', 'batch/b'] },
      ]),
    );
    assert.equal(gpus.size, 2);
    const gold = selectGpu(gpus, { pod: { namespace: 'gpu', name: 'gold-0' } });
    assert.equal(gold.gpu?.migProfile, '3g.40gb');
    assert.equal(gold.gpu?.pods.size, 1);
    const batch = selectGpu(gpus, { pod: { namespace: 'batch', name: 'b' } });
    assert.equal(batch.gpu?.migInstance, '9');
    assert.equal(batch.gpu?.pods.size, 2);
    // A whole-GPU UUID never selects a MIG instance.
    assert.equal(selectGpu(gpus, { uuid: H100_A }).gpu, undefined);
  });

  it('falls back to the UUID, then the index; says why nothing matched', () => {
    const gpus = parseDcgm(
      dcgmText([
        { index: 0, uuid: H100_A },
        { index: 1, uuid: H100_B },
      ]),
    );
    assert.equal(selectGpu(gpus, { pod: { namespace: 'x', name: 'y' }, uuid: H100_B }).gpu?.index, '1');
    const byIndex = selectGpu(gpus, { index: '0' });
    assert.ok(byIndex.gpu !== undefined && byIndex.by === 'index');
    const none = selectGpu(gpus, { pod: { namespace: 'x', name: 'y' }, index: '7' });
    assert.ok(none.gpu === undefined && /pod x\/y, index 7/.test(none.reason));
    assert.equal(uuidFromVisibleDevices(`${H100_B}`), H100_B);
    assert.equal(uuidFromVisibleDevices('all'), undefined);
    assert.equal(uuidFromVisibleDevices('0,1'), undefined);
  });

  it('garbage is an error, not a crash', () => {
    assert.throws(() => parseDcgm('<html>{{{\nDCGM_FI_PROF_SM_ACTIVE{gpu="0" 5\n'), DcgmParseError);
    assert.throws(() => parseDcgm('# nothing here\nnode_load1 0.5\n'), DcgmParseError);
    assert.throws(() => parseDcgm(''), DcgmParseError);
  });
});

describe('the NVML lab stand-in (workers/nvml_exporter.py), as recorded on an H100', () => {
  it('reads like dcgm-exporter: the GPU by pod mapping, two pods on it, busy then idle', async () => {
    const { readFileSync } = await import('node:fs');
    const { ROOT } = await import('../helpers.js');
    const read = (f: string) => parseDcgm(readFileSync(`${ROOT}test/fixtures/nvml-exporter-h100/${f}`, 'utf8'));
    const busy = selectGpu(read('nvml-h100-busy.txt'), { pod: { namespace: 'gpu', name: 'fft-0' } });
    assert.ok(busy.gpu !== undefined);
    assert.equal(busy.gpu.model, 'NVIDIA H100 80GB HBM3');
    assert.equal(busy.gpu.pods.size, 2);
    assert.equal(busy.gpu.values.get('utilization_ratio'), 1);
    assert.equal(busy.gpu.values.get('sm_active_ratio'), 1);
    assert.ok((busy.gpu.values.get('power_watts') ?? 0) > 300);
    const idle = selectGpu(read('nvml-h100-idle.txt'), { uuid: busy.gpu.uuid });
    assert.equal(idle.gpu?.values.get('utilization_ratio'), 0);
  });

  it("reads dcgm-exporter's untidy output: empty HELP, spaces after label commas, label-less series, one bad line skipped", () => {
    const text = [
      '# HELP DCGM_FI_DEV_GPU_UTIL ',
      '# TYPE DCGM_FI_DEV_GPU_UTIL gauge',
      `DCGM_FI_DEV_GPU_UTIL{gpu="0", UUID="${H100_A}", device="nvidia0", modelName="NVIDIA H100 80GB HBM3", Hostname="n1"} 93`,
      '# HELP DCGM_FI_PROF_SM_ACTIVE',
      'DCGM_FI_PROF_SM_ACTIVE{gpu="0",UUID="' + H100_A + '",pod="fft-0",namespace="gpu" } 0.71',
      'DCGM_FI_DEV_POWER_USAGE 412.5',
      'DCGM_FI_DEV_SM_CLOCK{gpu="0",UUID="' + H100_A + '" 1980',
      '}}} not a series',
      `DCGM_FI_DEV_FB_USED{gpu="0",uuid="${H100_A}"} 20480 1732000000000`,
      '',
    ].join('\n');
    const acc = new DcgmAccumulator();
    for (const line of text.split('\n')) acc.line(line);
    const a = acc.result().get(H100_A);
    assert.equal(a?.values.get('utilization_ratio'), 0.93);
    assert.equal(a?.values.get('sm_active_ratio'), 0.71);
    assert.equal(a?.values.get('framebuffer_used_bytes'), 20480 * 1024 * 1024, 'old lower-case uuid label, with a timestamp');
    assert.equal(a?.values.has('sm_clock_hertz'), false, 'the unclosed label set is skipped');
    assert.deepEqual([...(a?.pods ?? [])], ['gpu/fft-0']);
    assert.equal(acc.badLines, 2);
    assert.equal(acc.gpus.size, 1, 'the label-less series names no GPU');
  });

  it('keeps device-level and per-pod series apart under --kubernetes-virtual-gpus', () => {
    const dev = `gpu="0",UUID="${H100_A}",device="nvidia0",modelName="NVIDIA H100 80GB HBM3"`;
    const pod = (p: string) => `${dev},container="app",namespace="gpu",pod="${p}",uid="u-${p}",vgpu="${p.endsWith('0') ? 0 : 1}"`;
    const text = [
      '# HELP DCGM_FI_DEV_GPU_UTIL GPU utilization (in %).',
      `DCGM_FI_DEV_GPU_UTIL{${dev}} 90`,
      `DCGM_FI_DEV_GPU_UTIL{${pod('fft-0')}} 30`,
      `DCGM_FI_DEV_GPU_UTIL{${pod('gemm-1')}} 60`,
      // A pod share before the device-level series of the same field: the device value still wins.
      `DCGM_FI_DEV_FB_USED{${pod('gemm-1')}} 12000`,
      `DCGM_FI_DEV_FB_USED{${dev}} 20000`,
      `DCGM_FI_DEV_FB_USED{${pod('fft-0')}} 8000`,
      // Fanned-out copies (not split per process) carry the device value.
      `DCGM_FI_PROF_SM_ACTIVE{${pod('fft-0')}} 0.8`,
      `DCGM_FI_PROF_SM_ACTIVE{${pod('gemm-1')}} 0.8`,
    ].join('\n');
    const a = parseDcgm(text, { pod: 'gpu/fft-0' }).get(H100_A);
    assert.equal(a?.values.get('utilization_ratio'), 0.9);
    assert.equal(a?.values.get('framebuffer_used_bytes'), 20000 * 1024 * 1024);
    assert.equal(a?.values.get('sm_active_ratio'), 0.8);
    assert.equal(a?.podValues.get('utilization_ratio'), 0.3);
    assert.equal(a?.podValues.get('framebuffer_used_bytes'), 8000 * 1024 * 1024);
    assert.equal(a?.pods.size, 2);
  });
});
