/** The `kts` command tree. Only wiring: each subcommand lives in its own file. */
import { Command, CommanderError } from 'commander';
import { VERSION } from '../version.js';
import { registerBaseline } from './baseline.js';
import { registerDcgm } from './dcgm.js';
import { RuntimeError, UsageError } from './errors.js';
import { registerExperiment } from './experiment.js';
import { registerGuard } from './guard.js';
import { registerInject } from './inject.js';
import { registerReplay } from './replay.js';
import { registerReport } from './report.js';
import { registerServe } from './serve.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export function buildProgram(io: CliIo): Command {
  const program = new Command('kts')
    .description('kts-exporter: expose the tail-latency damage of GPU time-slicing')
    .version(VERSION)
    .exitOverride()
    .showHelpAfterError(false)
    .configureOutput({
      writeOut: (s) => io.out(s.replace(/\n$/, '')),
      writeErr: (s) => io.err(s.replace(/\n$/, '')),
      // Usage errors are printed once, as one line, by run().
      outputError: () => {},
    });
  registerReport(program, io.out);
  registerBaseline(program, io.out);
  registerServe(program, io.out);
  registerReplay(program, io.out);
  registerDcgm(program, io.out);
  registerExperiment(program, io.out);
  registerInject(program, io.out, io.err);
  registerGuard(program, io.out);
  return program;
}

/** Runs the CLI and returns the exit code; never throws. */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  const program = buildProgram(io);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version' || err.exitCode === 0) return 0;
      if (err.code === 'commander.help') return 0;
      io.err(`kts: ${err.message.replace(/^error: /, '')}`);
      return 2;
    }
    if (err instanceof UsageError || err instanceof RuntimeError) {
      io.err(`kts: ${err.message}`);
      return err.exitCode;
    }
    io.err(`kts: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
