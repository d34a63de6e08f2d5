import { afterAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import { RetryableError } from '@switchboard/errors';
import { dropQueuePrefix, testQueuePrefix, testRedisUrl } from '@switchboard/testkit';
import { createRedis } from './connection.ts';
import { createProducer } from './producer.ts';

const prefix = testQueuePrefix();
const uuid = '00000000-0000-4000-8000-000000000001';

afterAll(async () => {
  await dropQueuePrefix(prefix);
});

describe('producer', () => {
  it('adds a validated job and closes its queues while its connection stays with the caller', async () => {
    const redis = createRedis(testRedisUrl(), 'producer');
    const producer = createProducer(redis, prefix);
    await producer.add('routing', { queueId: uuid, reason: 'test' }, { jobId: 'p1' });
    await producer.close();
    expect(redis.status).toBe('ready');
    const queue = new Queue('routing', { connection: redis, prefix });
    expect((await queue.getJob('p1'))?.data).toEqual({ queueId: uuid, reason: 'test' });
    await queue.close();
    redis.disconnect();
  });

  it('turns an unreachable Redis into a RetryableError, and closing before the connection ends leaves no stray error', async () => {
    const redis = createRedis('redis://127.0.0.1:1', 'producer');
    const producer = createProducer(redis, prefix, { timeoutMs: 300 });
    await expect(producer.add('routing', { queueId: uuid, reason: 'test' })).rejects.toBeInstanceOf(RetryableError);
    // the order a service's shutdown uses: queues first, then the connection. The connection is
    // ended while a reconnect attempt is under way, the moment BullMQ's pending readiness check
    // fails with the connection's last error; were the queues' listeners gone by then, that
    // failure would be an unhandled error failing this file outside its tests (as it did in CI).
    await producer.close();
    const end = new Promise<void>((resolve) => redis.once('end', () => resolve()));
    redis.once('connecting', () => redis.disconnect());
    await end;
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(redis.status).toBe('end');
  });
});
