import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type JobData, type QueueName } from '@switchboard/contracts';
import { PermanentError, RateLimitedError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';

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
 */
export function startWorker<Q extends QueueName>(
  name: Q,
  handler: Handler<Q>,
  deps: { connection: Redis; prefix: string; logger: Logger; concurrency?: number; autorun?: boolean },
): Worker {
  const schema = QUEUES[name].schema;
  const worker = new Worker(
    name,
    async (job, token) => {
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
