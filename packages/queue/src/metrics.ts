import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { QueueName } from '@switchboard/contracts';
import type { Logger } from '@switchboard/log';
import { closeQueuesOn } from './shared-queues.ts';

/** The states `switchboard_queue_jobs` reports; `waiting` adds BullMQ's wait, prioritized and paused lists. */
export const JOB_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;
export type JobState = (typeof JOB_STATES)[number];

/** Outcomes of one run of a job: done, back to the queue for another run, or failed for good. */
export type JobOutcome = 'completed' | 'retry' | 'failed';

const JOB_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60];

/** The one metric of a name on a registry, shared by every caller (prom-client refuses a name twice). */
function once<T>(registry: Registry, name: string, create: (registers: Registry[]) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create([registry]);
}

export interface JobMetrics {
  wait: Histogram<'queue'>;
  duration: Histogram<'queue' | 'outcome'>;
}

/** The worker histograms on a registry; every worker of a service shares them. */
export function jobMetrics(registry: Registry): JobMetrics {
  return {
    wait: once(registry, 'switchboard_job_wait_seconds', (registers) => new Histogram({
      name: 'switchboard_job_wait_seconds',
      help: 'From a job being ready (enqueued, plus its requested delay) to a worker starting it, first run only.',
      labelNames: ['queue'],
      buckets: JOB_BUCKETS,
      registers,
    })),
    duration: once(registry, 'switchboard_job_duration_seconds', (registers) => new Histogram({
      name: 'switchboard_job_duration_seconds',
      help: 'One run of a job by a worker, by outcome: completed, retry (runs again: backoff or rate limit) or failed (for good).',
      labelNames: ['queue', 'outcome'],
      buckets: JOB_BUCKETS,
      registers,
    })),
  };
}

/**
 * Seconds a job waited for a worker: from when it could run (added, plus the delay it was
 * added with) to `startedAt`. Never negative: the producer's and the worker's clocks differ.
 */
export function jobWaitSeconds(job: Pick<Job, 'timestamp' | 'opts'>, startedAt: number): number {
  return Math.max(0, startedAt - job.timestamp - (job.opts.delay ?? 0)) / 1000;
}

export interface QueueGaugeDeps {
  /** A plain (non-blocking) connection: the counts are read on it at scrape time. */
  connection: Redis;
  prefix: string;
  queues: readonly QueueName[];
  logger: Logger;
  /** Bound on one scrape's read of every queue's counts; default 2000 ms. */
  timeoutMs?: number;
}

/**
 * `switchboard_queue_jobs{queue, state}` from BullMQ's job counts, read when Prometheus
 * scrapes. A read that fails or outlasts `timeoutMs` keeps the last values (a Redis outage
 * shows as `switchboard_queue_jobs_read_failures_total` and in /readyz, never as a scrape
 * timeout or a drop to zero). Returns a close for the queue handles it opened.
 */
export function registerQueueGauges(registry: Registry, deps: QueueGaugeDeps): { close(): Promise<void> } {
  const timeoutMs = deps.timeoutMs ?? 2_000;
  const queues = deps.queues.map((name) => {
    const queue = new Queue(name, { connection: deps.connection, prefix: deps.prefix });
    queue.on('error', () => {});
    return queue;
  });
  let failures = 0;
  let last: Record<string, number>[] | undefined;
  let inFlight: Promise<void> | undefined;
  // both metrics of a scrape share one read, so a failure shows in the same scrape
  const read = () => {
    inFlight ??= withTimeout(timeoutMs, Promise.all(queues.map((q) => q.getJobCounts('wait', 'prioritized', 'paused', 'active', 'delayed', 'failed', 'completed'))))
      .then((counts) => {
        last = counts;
      })
      .catch((error: unknown) => {
        failures += 1;
        deps.logger.warn({ err: error }, 'queue job counts not read; serving the last values');
      })
      .finally(() => {
        inFlight = undefined;
      });
    return inFlight;
  };
  new Counter({
    name: 'switchboard_queue_jobs_read_failures_total',
    help: 'Scrape-time reads of the queue job counts that failed or timed out (the last values were served).',
    registers: [registry],
    async collect() {
      await read();
      this.reset();
      this.inc(failures);
    },
  });
  new Gauge({
    name: 'switchboard_queue_jobs',
    help: 'Jobs in each BullMQ queue by state, read at scrape time (waiting includes prioritized and paused jobs).',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      await read();
      if (!last) return;
      this.reset();
      queues.forEach((queue, i) => {
        const c = last![i]!;
        const byState: Record<JobState, number> = {
          waiting: (c.wait ?? 0) + (c.prioritized ?? 0) + (c.paused ?? 0),
          active: c.active ?? 0,
          delayed: c.delayed ?? 0,
          failed: c.failed ?? 0,
          completed: c.completed ?? 0,
        };
        for (const state of JOB_STATES) this.set({ queue: queue.name, state }, byState[state]);
      });
    },
  });
  return {
    async close() {
      await closeQueuesOn(deps.connection, queues);
    },
  };
}

async function withTimeout<T>(ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  work.catch(() => {}); // lost the race: its own failure is not news
  try {
    return await Promise.race([
      work,
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`queue job counts took longer than ${ms} ms`)), ms);
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}
