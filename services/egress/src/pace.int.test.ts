import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { RateLimitedError } from '@switchboard/errors';
import { silentLogger } from '@switchboard/log';
import { countInWindow, createRedis, waitForRedis } from '@switchboard/queue';
import { testRedisUrl } from '@switchboard/testkit';
import { pace } from './deliver.ts';

const redis = createRedis(testRedisUrl(), 'producer');
beforeAll(() => waitForRedis(redis));
afterAll(() => redis.disconnect());

describe('countInWindow', () => {
  it('counts hits per fixed window and says how long until the next one', async () => {
    const key = `test-window-${randomUUID()}`;
    const start = 1_700_000_000_000;
    expect(await countInWindow(redis, key, 1_000, start + 100)).toEqual({ count: 1, retryAfterMs: 900 });
    expect(await countInWindow(redis, key, 1_000, start + 999)).toEqual({ count: 2, retryAfterMs: 1 });
    expect(await countInWindow(redis, key, 1_000, start + 1_000)).toEqual({ count: 1, retryAfterMs: 1_000 });
  });
});

describe('pace', () => {
  const deps = { paceRedis: redis, logger: silentLogger() };

  it('lets an inbox send its published rate per second, then delays it to the next second', async () => {
    const inbox = randomUUID();
    const second = 1_700_000_010_000;
    await pace(deps, inbox, 2, second + 10);
    await pace(deps, inbox, 2, second + 20);
    const over = pace(deps, inbox, 2, second + 600);
    await expect(over).rejects.toBeInstanceOf(RateLimitedError);
    await expect(pace(deps, inbox, 2, second + 700)).rejects.toMatchObject({ code: 'paced', retryAfterMs: 300 });
    await expect(pace(deps, inbox, 2, second + 1_000)).resolves.toBeUndefined();
    // another inbox (another sending account) has its own budget
    await expect(pace(deps, randomUUID(), 2, second + 700)).resolves.toBeUndefined();
  });

  it('does not pace channels without a published rate, or when Redis is not configured', async () => {
    const inbox = randomUUID();
    for (let i = 0; i < 5; i++) await pace(deps, inbox, undefined);
    for (let i = 0; i < 5; i++) await pace({ logger: silentLogger() }, inbox, 1);
    expect(await countInWindow(redis, `sb-egress-pace:${inbox}`, 1_000)).toMatchObject({ count: 1 });
  });
});
