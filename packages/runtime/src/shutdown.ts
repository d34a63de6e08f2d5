import type { Logger } from '@switchboard/log';

export interface ShutdownStep {
  name: string;
  run: () => Promise<unknown>;
}

/**
 * Graceful shutdown on SIGTERM/SIGINT: runs the steps in order (stop taking work, drain
 * in-flight jobs, close connections), then exits. A second signal or the deadline forces exit.
 */
export function handleShutdown(logger: Logger, steps: ShutdownStep[], options: { timeoutMs?: number } = {}): { isShuttingDown: () => boolean } {
  let shuttingDown = false;
  const run = async (signal: string) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'second signal: exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'shutting down');
    const deadline = setTimeout(() => {
      logger.error('shutdown deadline passed: exiting with work possibly in flight');
      process.exit(1);
    }, options.timeoutMs ?? 25_000);
    deadline.unref();
    let failed = false;
    for (const step of steps) {
      try {
        await step.run();
      } catch (error) {
        failed = true;
        logger.error({ err: error, step: step.name }, 'shutdown step failed');
      }
    }
    logger.info('shutdown complete');
    process.exit(failed ? 1 : 0);
  };
  process.once('SIGTERM', () => void run('SIGTERM'));
  process.once('SIGINT', () => void run('SIGINT'));
  return { isShuttingDown: () => shuttingDown };
}

/** Logs and exits on a failure at boot, with the one message an operator needs. */
export function exitOnBootFailure(logger: Logger, error: unknown): never {
  logger.fatal({ err: error }, error instanceof Error ? error.message : 'failed to start');
  process.exit(1);
}
