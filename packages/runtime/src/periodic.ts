import type { Logger } from '@switchboard/log';

/**
 * Runs `task` every `intervalMs`, never two at once (a slow sweep is not stacked on itself),
 * logging failures instead of crashing. Returns a stop function.
 */
export function runPeriodically(name: string, task: () => Promise<unknown>, intervalMs: number, logger: Logger): () => void {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    task()
      .catch((error) => logger.warn({ err: error, task: name }, `${name} failed`))
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
