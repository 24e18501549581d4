import type { Logger } from 'pino';

const AGAIN = 'Press Ctrl-C again (or send another SIGTERM) to stop at once';

/** What the first Ctrl-C says: how long the stop may take, and how to cut it short. */
export function shutdownNotice(activeCalls: number, graceMs: number): string {
  if (activeCalls === 0) return `stopping: no call in progress, and no new call starts. ${AGAIN}.`;
  const calls =
    activeCalls === 1 ? '1 call in progress gets' : `${activeCalls} calls in progress get`;
  return (
    `stopping: no new call starts; ${calls} up to ${Math.ceil(graceMs / 1000)} s to finish. ` +
    `${AGAIN} (calls cut short are reconciled at the next start).`
  );
}

export interface ShutdownOptions {
  /** Calls in progress now, across the process's engines. */
  activeCalls: () => number;
  /** How long the stop lets them run (config.shutdownGraceMs). */
  graceMs: number;
}

/**
 * Runs `stop` once on the first SIGINT/SIGTERM; a second signal exits at once. The process exits
 * when `stop` resolves, so a clean stop checkpoints and closes the embedded database.
 */
export function onShutdownSignal(
  log: Logger,
  stop: () => Promise<void>,
  opts: ShutdownOptions,
): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) {
      log.warn({ signal }, 'second signal: exiting now');
      process.exit(130);
    }
    stopping = true;
    const activeCalls = opts.activeCalls();
    log.info(
      { signal, activeCalls, graceSeconds: Math.ceil(opts.graceMs / 1000) },
      shutdownNotice(activeCalls, opts.graceMs),
    );
    stop().then(
      () => {
        log.info('stopped cleanly');
        process.exit(0);
      },
      (err) => {
        log.error({ err }, 'error during shutdown');
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', handler);
  process.on('SIGTERM', handler);
}
