/** Writes a synthetic KTS_APP log: two interleaved workloads with a realistic latency tail. */
import { closeSync, openSync, writeSync } from 'node:fs';

/** Deterministic PRNG (mulberry32) so every run benchmarks the same bytes. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Device and wall latency in ns for one iteration of a workload with median `medianNs`. */
export function latency(rand: () => number, medianNs: number): [number, number] {
  const tail = rand() < 0.02 ? 1 + rand() * 2 : 1;
  const device = Math.round(medianNs * (0.9 + rand() * 0.2) * tail);
  const queue = Math.round(medianNs * 0.4 * (0.5 + rand()) * (rand() < 0.03 ? 4 : 1));
  return [device, device + queue];
}

const TWO_WORKLOADS = [
  { name: 'FFT', median: 412_000 },
  { name: 'GEMM', median: 2_888_000 },
];

/**
 * `lines` lines, round-robin over the workloads (default FFT and GEMM), consecutive lines
 * `stepNs` apart in recorded time (default 50 ms: each of two workloads at 10 iterations/s).
 */
export function generateLog(
  path: string,
  lines: number,
  workloads: readonly { name: string; median: number }[] = TWO_WORKLOADS,
  stepNs = 50_000_000,
): void {
  const rand = prng(42);
  const fd = openSync(path, 'w');
  const base = 1795387891000000000n;
  let t = 0;
  let batch: string[] = [];
  const n = workloads.length;
  for (let i = 0; i < lines; i++) {
    const w = workloads[i % n] as { name: string; median: number };
    const [device, wall] = latency(rand, w.median);
    t += stepNs;
    const start = base + BigInt(t);
    batch.push(`KTS_APP,v1,${w.name},${Math.floor(i / n)},${start},${start + BigInt(wall)},${(device / 1e6).toFixed(6)},shared\n`);
    if (batch.length === 10_000) {
      writeSync(fd, batch.join(''));
      batch = [];
    }
  }
  if (batch.length > 0) writeSync(fd, batch.join(''));
  closeSync(fd);
}
