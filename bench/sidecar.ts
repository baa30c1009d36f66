/**
 * What the process benches share: the bundled sidecar run as the injector runs it, a
 * process's CPU and memory read from /proc, and the KTS_APP line they write.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { SIDECAR_NODE_OPTIONS, SIDECAR_RUNTIME_ENV } from '../src/k8s/inject.js';

/** The bundle (`npm run bench` builds it), or BENCH_BUNDLE. */
export const BUNDLE = process.env.BENCH_BUNDLE ?? fileURLToPath(new URL('../../dist/bundle/cli.js', import.meta.url));

/** The injected environment: NODE_ENV, the heap flags (or `nodeOptions`) and the malloc settings. */
export function sidecarEnv(extra: NodeJS.ProcessEnv = {}, nodeOptions = SIDECAR_NODE_OPTIONS): NodeJS.ProcessEnv {
  return { ...process.env, ...SIDECAR_RUNTIME_ENV, NODE_ENV: 'production', NODE_OPTIONS: nodeOptions, ...extra };
}

/** CPU seconds of every thread of `pid` (schedstat, ns; threads that ended are not counted). */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended meanwhile
    }
  }
  return ns / 1e9;
}

/** One memory figure of /proc/<pid>/status in MB, one decimal. */
export function memMb(pid: number, field: 'VmRSS' | 'VmHWM' | 'RssAnon' | 'RssFile'): number {
  const m = new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m === null ? 0 : Number((Number(m[1]) / 1024).toFixed(1));
}

const BASE_NS = 1_795_387_891_806_522_966n;

/** Line `i` of 4 workloads, 10 ms apart, 0.6-0.9 ms long. */
export function appLine(i: number): string {
  const s = BASE_NS + BigInt(i) * 10_000_000n;
  return `KTS_APP,v1,w${i % 4},${i},${s},${s + 600_000n + BigInt((i * 7919) % 300_000)},0.412000,\n`;
}
