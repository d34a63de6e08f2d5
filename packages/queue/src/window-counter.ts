import type { Redis } from 'ioredis';

export interface WindowCount {
  /** Hits in the current window, this one included. */
  count: number;
  /** Until the window ends, in ms: how long to wait when `count` is over a limit. */
  retryAfterMs: number;
}

/**
 * Counts a hit in the fixed window of `windowMs` that now falls into, under `key`, in Redis (so
 * every replica counts together). Fixed windows allow a burst of up to twice the limit across a
 * window boundary; for rate limits of people and published platform rates that is acceptable
 * and costs one round trip.
 */
export async function countInWindow(redis: Redis, key: string, windowMs: number, now = Date.now()): Promise<WindowCount> {
  const window = Math.floor(now / windowMs);
  const bucket = `${key}:${window}`;
  const replies = await redis.multi().incr(bucket).pexpire(bucket, windowMs * 2).exec();
  const [error, count] = replies?.[0] ?? [new Error('no reply from Redis'), 0];
  if (error) throw error;
  return { count: Number(count), retryAfterMs: (window + 1) * windowMs - now };
}
