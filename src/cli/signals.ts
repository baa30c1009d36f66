/**
 * Signals for the long-running commands, listened to before the command starts its server:
 * a SIGTERM that arrives while it is still starting up is kept, not lost to Node's default
 * (killed by the signal, no clean exit). SIGHUP never kills a command: `onHup` (a reload) or
 * nothing.
 */
export function untilStopped(onHup: () => void = () => undefined): Promise<NodeJS.Signals> {
  return new Promise((resolve) => {
    const stop = (signal: NodeJS.Signals): void => {
      process.off('SIGTERM', stop);
      process.off('SIGINT', stop);
      process.off('SIGHUP', onHup);
      resolve(signal);
    };
    process.on('SIGTERM', stop);
    process.on('SIGINT', stop);
    process.on('SIGHUP', onHup);
  });
}
