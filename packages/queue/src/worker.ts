import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type JobData, type QueueName } from '@switchboard/contracts';
import { PermanentError, RateLimitedError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import type { Registry } from 'prom-client';
import { jobMetrics, jobWaitSeconds, type JobOutcome } from './metrics.ts';

export type Handler<Q extends QueueName> = (data: JobData<Q>, job: Job) => Promise<void>;

/** Throw from a handler to run this job again after `delayMs` without spending an attempt. */
export class RetryLaterSignal extends Error {
  readonly delayMs: number;
  constructor(delayMs: number, reason: string) {
    super(reason);
    this.delayMs = delayMs;
  }
}

/**
 * Starts a worker for one catalog queue. Errors mean something to the queue:
 * PermanentError stops retrying (UnrecoverableError); RateLimitedError and RetryLaterSignal
 * move the job back to delayed without spending an attempt; anything else is retried with
 * backoff up to the catalog's attempts, then kept as failed (dead letter) for replay.
 * With `metrics`, each run is recorded in `switchboard_job_wait_seconds` (first run) and
 * `switchboard_job_duration_seconds` (every run, by outcome).
 */
export function startWorker<Q extends QueueName>(
  name: Q,
  handler: Handler<Q>,
  deps: { connection: Redis; prefix: string; logger: Logger; concurrency?: number; autorun?: boolean; metrics?: Registry },
): Worker {
  const schema = QUEUES[name].schema;
  const metrics = deps.metrics && jobMetrics(deps.metrics);
  const run = async (job: Job, token: string | undefined) => {
    const parsed = schema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`invalid ${name} payload: ${parsed.error.message}`);
    try {
      await handler(parsed.data as JobData<Q>, job);
    } catch (error) {
      const delayMs = error instanceof RateLimitedError ? error.retryAfterMs : error instanceof RetryLaterSignal ? error.delayMs : undefined;
      if (delayMs !== undefined && token) {
        await job.moveToDelayed(Date.now() + delayMs, token);
        throw new DelayedError();
      }
      if (error instanceof PermanentError) throw new UnrecoverableError(`${error.code}: ${error.message}`);
      throw error;
    }
  };
  const worker = new Worker(
    name,
    async (job, token) => {
      if (!metrics) return run(job, token);
      const started = Date.now();
      if (job.attemptsStarted <= 1) metrics.wait.observe({ queue: name }, jobWaitSeconds(job, started));
      let outcome: JobOutcome = 'completed';
      try {
        await run(job, token);
      } catch (error) {
        outcome = runOutcome(job, error);
        throw error;
      } finally {
        metrics.duration.observe({ queue: name, outcome }, (Date.now() - started) / 1000);
      }
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: deps.concurrency ?? 4, autorun: deps.autorun ?? true },
  );
  worker.on('error', (error) => deps.logger.error({ err: error, queue: name }, 'worker error'));
  worker.on('failed', (job, error) => {
    if (!job) return;
    const final = job.attemptsMade >= (job.opts.attempts ?? 1) || error instanceof UnrecoverableError || error.name === 'UnrecoverableError';
    deps.logger[final ? 'error' : 'warn']({ err: error, queue: name, jobId: job.id, attempt: job.attemptsMade }, final ? 'job failed for good' : 'job failed, will retry');
  });
  return worker;
}

/** What a run that threw leads to: delayed or retried runs again, unrecoverable or out of attempts fails for good. */
export function runOutcome(job: Pick<Job, 'attemptsMade' | 'opts'>, error: unknown): JobOutcome {
  if (error instanceof DelayedError) return 'retry';
  if (error instanceof UnrecoverableError) return 'failed';
  return job.attemptsMade + 1 >= (job.opts.attempts ?? 1) ? 'failed' : 'retry';
}
