/** Detection delay on the H100 fixtures (solo baseline, shared replay) and false alarms on solo data. */
import { fileURLToPath } from 'node:url';
import { type DetectionReplay, replayDetection } from '../src/report/detection.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));

export interface DetectionRun extends DetectionReplay {
  baseline: string;
  replayed: string;
}

async function run(dir: string, solo: string, replayed: string, workload: string): Promise<DetectionRun> {
  const r = await replayDetection([`${FIXTURES}${dir}/${solo}`], [`${FIXTURES}${dir}/${replayed}`], workload);
  return { baseline: `${dir}/${solo}`, replayed: `${dir}/${replayed}`, ...r };
}

export async function detectionFigures(): Promise<DetectionRun[]> {
  const x = 'h100-experiment-2026-11-25';
  return [
    await run('h100-2026-11-22', 'solo-fft.log', 'shared-fft.log', 'FFT'),
    await run('h100-2026-11-22', 'solo-gemm.log', 'shared-gemm.log', 'GEMM'),
    await run('h100-2026-11-22', 'solo-fft.log', 'solo-fft.log', 'FFT'),
    await run('h100-2026-11-22', 'solo-gemm.log', 'solo-gemm.log', 'GEMM'),
    await run(x, 'solo-fft.log', 'shared-fft.log', 'FFT'),
    await run(x, 'solo-fft.log', 'n2-fft.log', 'FFT'),
    await run(x, 'solo-fft.log', 'n3-fft.log', 'FFT'),
    await run(x, 'solo-fft.log', 'mps-shared-fft.log', 'FFT'),
    await run(x, 'solo-fft.log', 'solo-fft.log', 'FFT'),
  ];
}
