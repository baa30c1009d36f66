/**
 * A fake dcgm-exporter for tests: serves dcgm-exporter's real text format (its metric
 * names, HELP lines and labels: gpu, UUID, pci_bus_id, device, modelName, Hostname, and with
 * the Kubernetes pod mapping namespace, pod, container; GPU_I_PROFILE / GPU_I_ID for MIG), and
 * can be told to be slow, to fail, or to answer garbage.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeGpu {
  index: number;
  uuid: string;
  model?: string;
  /** Pods as `namespace/pod`; one series per pod, as dcgm-exporter does under time-slicing. */
  pods?: string[];
  mig?: { profile: string; instance: number };
  smActive?: number;
  utilPercent?: number;
}

const FIELDS: [string, string, (g: FakeGpu) => number][] = [
  ['DCGM_FI_DEV_SM_CLOCK', 'SM clock frequency (in MHz).', () => 1980],
  ['DCGM_FI_DEV_GPU_UTIL', 'GPU utilization (in %).', (g) => g.utilPercent ?? 87],
  ['DCGM_FI_DEV_MEM_COPY_UTIL', 'Memory utilization (in %).', () => 31],
  ['DCGM_FI_DEV_FB_FREE', 'Framebuffer memory free (in MiB).', () => 61000],
  ['DCGM_FI_DEV_FB_USED', 'Framebuffer memory used (in MiB).', () => 20480],
  ['DCGM_FI_DEV_POWER_USAGE', 'Power draw (in W).', () => 412.5],
  ['DCGM_FI_DEV_XID_ERRORS', 'Value of the last XID error encountered.', () => 0],
  ['DCGM_FI_PROF_GR_ENGINE_ACTIVE', 'Ratio of time the graphics engine is active.', (g) => Math.min(1, (g.smActive ?? 0.6) + 0.1)],
  ['DCGM_FI_PROF_SM_ACTIVE', 'The ratio of cycles an SM has at least 1 warp assigned.', (g) => g.smActive ?? 0.6],
  ['DCGM_FI_PROF_DRAM_ACTIVE', 'Ratio of cycles the device memory interface is active sending or receiving data.', () => 0.22],
];

export function dcgmText(gpus: readonly FakeGpu[], host = 'gpu-node-1'): string {
  const out: string[] = [];
  for (const [name, help, value] of FIELDS) {
    out.push(
      `# HELP ${name} ${help}`,
      `# TYPE ${name} ${name.endsWith('XID_ERRORS') || name.includes('CLOCK') || name.includes('FB') ? 'gauge' : 'gauge'}`,
    );
    for (const g of gpus) {
      const base = `gpu="${g.index}",UUID="${g.uuid}",pci_bus_id="00000000:${String(0x18 + g.index * 0x10).padStart(2, '0')}:00.0",device="nvidia${g.index}",modelName="${g.model ?? 'NVIDIA H100 80GB HBM3'}",Hostname="${host}"`;
      const mig = g.mig === undefined ? '' : `,GPU_I_PROFILE="${g.mig.profile}",GPU_I_ID="${g.mig.instance}"`;
      const pods = g.pods ?? [];
      if (pods.length === 0) out.push(`${name}{${base}${mig},DCGM_FI_DRIVER_VERSION="570.133.20"} ${value(g)}`);
      for (const p of pods) {
        const [ns, pod] = p.split('/');
        out.push(`${name}{${base}${mig},DCGM_FI_DRIVER_VERSION="570.133.20",container="app",namespace="${ns}",pod="${pod}"} ${value(g)}`);
      }
    }
  }
  return `${out.join('\n')}\n`;
}

export type Mode = 'ok' | 'slow' | 'fail' | 'garbage';

export class FakeDcgm {
  gpus: FakeGpu[] = [];
  mode: Mode = 'ok';
  /** Move SM activity a little on every request, as a real GPU's does. */
  varySm = false;
  slowMs = 2000;
  requests = 0;
  private server: Server | undefined;
  url = '';

  async start(): Promise<string> {
    this.server = createServer((_req, res) => {
      this.requests++;
      if (this.mode === 'fail') {
        res.writeHead(500).end('dcgm: failed to collect');
        return;
      }
      if (this.mode === 'garbage') {
        res.writeHead(200, { 'content-type': 'text/plain' }).end('<html>{{{ not metrics\nDCGM_FI_PROF_SM_ACTIVE{gpu="0" 5\n');
        return;
      }
      const gpus = this.varySm
        ? this.gpus.map((g) => ({ ...g, smActive: (g.smActive ?? 0.6) + ((this.requests % 7) - 3) * 0.01 }))
        : this.gpus;
      const body = dcgmText(gpus);
      const send = () => res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' }).end(body);
      if (this.mode === 'slow') setTimeout(send, this.slowMs).unref();
      else send();
    });
    await new Promise<void>((r) => this.server?.listen(0, '127.0.0.1', () => r()));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/metrics`;
    return this.url;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => (this.server === undefined ? r() : this.server.close(() => r())));
  }
}
