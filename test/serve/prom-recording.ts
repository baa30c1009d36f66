/**
 * The bundled vLLM-style recording served by scripts/prom-replay.mjs, and a real `kts serve`
 * reading it with the vllm-itl preset against the bundled baseline: the README's example, shared
 * by the tests that run it.
 */
import { spawn } from 'node:child_process';
import { ROOT, type ServeProcess, startServeProcess } from '../helpers.js';
import { freePort } from '../integration/stack.js';

export interface RecordingRun {
  serve: ServeProcess;
  stop(): Promise<void>;
}

/** `extra`: further `kts serve` arguments (the scrape interval among them). */
export async function serveRecording(speed: number, extra: string[]): Promise<RecordingRun> {
  const port = await freePort();
  const replay = spawn(
    process.execPath,
    [
      `${ROOT}scripts/prom-replay.mjs`,
      `${ROOT}test/fixtures/prom/vllm-itl-recording.jsonl`,
      '--port',
      String(port),
      '--speed',
      String(speed),
    ],
    { stdio: 'ignore' },
  );
  try {
    const serve = await startServeProcess([
      '--source',
      `prom:http://127.0.0.1:${port}/metrics`,
      '--preset',
      'vllm-itl',
      '--baseline',
      `${ROOT}test/fixtures/prom/vllm-itl-baseline.json`,
      '--dcgm-url',
      'none',
      ...extra,
    ]);
    return {
      serve,
      stop: async () => {
        await serve.stop('SIGKILL');
        replay.kill('SIGKILL');
      },
    };
  } catch (err) {
    replay.kill('SIGKILL');
    throw err;
  }
}
