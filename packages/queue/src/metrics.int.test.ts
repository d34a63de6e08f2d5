import { afterAll, describe, expect, it } from '@jest/globals';
import { createServer, type Socket } from 'node:net';
import { Queue } from 'bullmq';
import { Registry } from 'prom-client';
import { PermanentError } from '@switchboard/errors';
import { silentLogger } from '@switchboard/log';
import { dropQueuePrefix, metricCount, metricSample, testQueuePrefix, testRedisUrl, waitFor } from '@switchboard/testkit';
import { createRedis } from './connection.ts';
import { jobWaitSeconds, registerQueueGauges } from './metrics.ts';
import { RetryLaterSignal, runOutcome, startWorker } from './worker.ts';

const prefix = testQueuePrefix();
const logger = silentLogger();
const workerRedis = createRedis(testRedisUrl(), 'worker');
const client = createRedis(testRedisUrl(), 'client');
const closers: (() => Promise<unknown>)[] = [];

afterAll(async () => {
  for (const close of closers.reverse()) await close();
  workerRedis.disconnect();
  client.disconnect();
  await dropQueuePrefix(prefix);
});

const uuid = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;

describe('worker metrics', () => {
  it('records each run of a job by outcome and the first run’s wait, on every worker sharing a registry', async () => {
    const registry = new Registry();
    const queue = new Queue('routing', { connection: client, prefix });
    closers.push(() => queue.close());
    const runs = new Map<string, number>();
    const worker = startWorker(
      'routing',
      async ({ reason }, job) => {
        const run = (runs.get(job.id!) ?? 0) + 1;
        runs.set(job.id!, run);
        if (reason === 'permanent') throw new PermanentError('bad_job', 'never works');
        if (reason === 'flaky' && run === 1) throw new Error('first run fails');
        if (reason === 'later' && run === 1) throw new RetryLaterSignal(10, 'not yet');
      },
      { connection: workerRedis, prefix, logger, metrics: registry },
    );
    closers.push(() => worker.close());
    // a second worker on the same registry shares the histograms instead of registering them twice
    const timers = startWorker('routing-timers', async () => {}, { connection: workerRedis, prefix, logger, metrics: registry });
    closers.push(() => timers.close());

    await queue.add('routing', { queueId: uuid(1), reason: 'ok' }, { jobId: 'ok' });
    await queue.add('routing', { queueId: uuid(2), reason: 'permanent' }, { jobId: 'permanent', attempts: 3 });
    await queue.add('routing', { queueId: uuid(3), reason: 'flaky' }, { jobId: 'flaky', attempts: 2 });
    await queue.add('routing', { queueId: uuid(4), reason: 'later' }, { jobId: 'later' });
    await waitFor(async () => (await queue.getJobCounts('completed', 'failed')).completed === 3 && (await queue.getJobCounts('failed')).failed === 1, { what: 'jobs settled' });

    const text = await registry.metrics();
    const duration = (outcome: string) => metricCount(text, 'switchboard_job_duration_seconds_count', { queue: 'routing', outcome });
    expect(duration('completed')).toBe(3);
    expect(duration('failed')).toBe(1);
    expect(duration('retry')).toBe(2); // the flaky job's first run and the postponed one's
    // the wait is observed on each job's first run only
    expect(metricSample(text, 'switchboard_job_wait_seconds_count', { queue: 'routing' })).toBe(4);
    expect(text).toMatch(/^switchboard_job_wait_seconds_bucket\{le="\+Inf",queue="routing"\} 4$/m);
    expect(metricSample(text, 'switchboard_job_wait_seconds_count', { queue: 'routing-timers' })).toBeUndefined();
  });

  it('measures the wait from when a job could run, never below zero', () => {
    expect(jobWaitSeconds({ timestamp: 10_000, opts: {} }, 12_500)).toBe(2.5);
    expect(jobWaitSeconds({ timestamp: 10_000, opts: { delay: 2_000 } }, 12_500)).toBe(0.5);
    expect(jobWaitSeconds({ timestamp: 10_000, opts: {} }, 9_000)).toBe(0);
  });

  it('calls a run that threw a retry while attempts remain, failed after the last one', () => {
    expect(runOutcome({ attemptsMade: 0, opts: { attempts: 3 } }, new Error('x'))).toBe('retry');
    expect(runOutcome({ attemptsMade: 2, opts: { attempts: 3 } }, new Error('x'))).toBe('failed');
    expect(runOutcome({ attemptsMade: 0, opts: {} }, new Error('x'))).toBe('failed');
  });
});

describe('queue gauges', () => {
  it('reports BullMQ job counts by state for each queue at scrape time', async () => {
    const registry = new Registry();
    const gauges = registerQueueGauges(registry, { connection: client, prefix, queues: ['routing', 'outbound-telegram'], logger });
    closers.push(() => gauges.close());
    const queue = new Queue('outbound-telegram', { connection: client, prefix });
    closers.push(() => queue.close());
    await queue.add('outbound-telegram', { messageId: uuid(9), channel: 'telegram' });
    await queue.add('outbound-telegram', { messageId: uuid(10), channel: 'telegram' }, { delay: 60_000 });
    await queue.add('outbound-telegram', { messageId: uuid(11), channel: 'telegram' }, { priority: 3 });

    const text = await registry.metrics();
    const jobs = (queueName: string, state: string) => metricSample(text, 'switchboard_queue_jobs', { queue: queueName, state });
    expect(jobs('outbound-telegram', 'waiting')).toBe(2); // plain and prioritized
    expect(jobs('outbound-telegram', 'delayed')).toBe(1);
    expect(jobs('outbound-telegram', 'active')).toBe(0);
    // the first test's jobs, consumed by then
    expect(jobs('routing', 'completed')).toBe(3);
    expect(jobs('routing', 'failed')).toBe(1);
    expect(jobs('routing', 'waiting')).toBe(0);
    expect(metricSample(text, 'switchboard_queue_jobs_read_failures_total')).toBe(0);
  });

  it('answers within its bound when Redis does not, counting the failure', async () => {
    // a server that accepts connections and never answers: every command hangs
    const sockets: Socket[] = [];
    const silent = createServer((socket) => sockets.push(socket));
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as { port: number }).port;
    const hung = createRedis(`redis://127.0.0.1:${port}`, 'worker', { enableReadyCheck: false });
    const registry = new Registry();
    const gauges = registerQueueGauges(registry, { connection: hung, prefix, queues: ['routing'], logger, timeoutMs: 200 });

    const text = await registry.metrics();
    expect(metricSample(text, 'switchboard_queue_jobs_read_failures_total')).toBe(1);
    expect(metricSample(text, 'switchboard_queue_jobs', { queue: 'routing', state: 'waiting' })).toBeUndefined();

    for (const s of sockets) s.destroy();
    hung.disconnect();
    await gauges.close().catch(() => {});
    await new Promise((resolve) => silent.close(resolve));
  });
});
