import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';

export function testRedisUrl(): string {
  const url = process.env.SB_TEST_REDIS_URL;
  if (!url) throw new Error('SB_TEST_REDIS_URL is not set: run tests through jest so its global setup finds Redis');
  return url;
}

/** A BullMQ prefix unique to one test file, so parallel files never see each other's jobs. */
export function testQueuePrefix(): string {
  return `sbt${randomBytes(5).toString('hex')}`;
}

/** Deletes every key under a test prefix. */
export async function dropQueuePrefix(prefix: string): Promise<void> {
  const redis = new Redis(testRedisUrl(), { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 1000);
      cursor = next;
      if (keys.length) await redis.del(...keys);
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
