import { createHash } from 'node:crypto';
import { Queue, type JobsOptions } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type JobData, type QueueName } from '@switchboard/contracts';
import { RetryableError } from '@switchboard/errors';
import { closeQueuesOn } from './shared-queues.ts';

/** Job ids may not contain ':'; a hash keeps any platform id usable and bounded in length. */
export function jobIdFor(...parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('base64url').slice(0, 32);
}

export function defaultJobOptions(name: QueueName): JobsOptions {
  return {
    attempts: QUEUES[name].attempts,
    backoff: { type: 'exponential', delay: 1_000 },
    // completed job ids are kept a day so a redelivered webhook is dropped at the queue too;
    // the database's unique keys are what guarantee it beyond that window
    removeOnComplete: { age: 24 * 3600, count: 100_000 },
    removeOnFail: { age: 14 * 24 * 3600 },
  };
}

export interface Producer {
  /**
   * `coalesce`: adds made while an earlier add with the same id is younger than `ttlMs` are
   * dropped, so a burst of triggers becomes one job (which runs after all of them committed).
   */
  add<Q extends QueueName>(name: Q, data: JobData<Q>, options?: { jobId?: string; delay?: number; coalesce?: { id: string; ttlMs: number } }): Promise<void>;
  close(): Promise<void>;
}

/**
 * Typed producers for the queue catalog. Payloads are validated before they reach Redis, and
 * any failure to enqueue surfaces as a RetryableError (the caller answers 503 or retries).
 */
export function createProducer(connection: Redis, prefix: string, options: { timeoutMs?: number } = {}): Producer {
  const queues = new Map<QueueName, Queue>();
  const queueFor = (name: QueueName): Queue => {
    let q = queues.get(name);
    if (!q) {
      q = new Queue(name, { connection, prefix, defaultJobOptions: defaultJobOptions(name) });
      q.on('error', () => {});
      queues.set(name, q);
    }
    return q;
  };
  const timeoutMs = options.timeoutMs ?? 5_000;
  return {
    async add(name, data, opts = {}) {
      const payload = QUEUES[name].schema.parse(data);
      let timer: NodeJS.Timeout | undefined;
      try {
        await Promise.race([
          queueFor(name).add(name, payload, {
            jobId: opts.jobId,
            delay: opts.delay,
            ...(opts.coalesce ? { deduplication: { id: opts.coalesce.id, ttl: opts.coalesce.ttlMs } } : {}),
          }),
          new Promise((_, reject) => {
            timer = setTimeout(() => reject(new Error(`enqueue to ${name} timed out after ${timeoutMs} ms`)), timeoutMs);
          }),
        ]);
      } catch (error) {
        throw new RetryableError('enqueue_failed', `could not enqueue to ${name}: ${(error as Error).message}`, { cause: error });
      } finally {
        clearTimeout(timer);
      }
    },
    async close() {
      await closeQueuesOn(connection, queues.values());
      queues.clear();
    },
  };
}
