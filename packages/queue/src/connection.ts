import { Redis, type RedisOptions } from 'ioredis';

/**
 * Workers block on Redis and must wait out outages (maxRetriesPerRequest: null).
 * Producers on a request path must fail fast instead, so an ingress can answer 503
 * and let the platform retry rather than hold the webhook open.
 */
export function createRedis(url: string, role: 'worker' | 'producer' | 'client', extra: RedisOptions = {}): Redis {
  const base: RedisOptions = {
    connectionName: `switchboard-${role}`,
    retryStrategy: (times) => Math.min(times * 200, 5_000),
    ...(role === 'worker'
      ? { maxRetriesPerRequest: null, enableReadyCheck: true }
      : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000, commandTimeout: 3_000 }),
  };
  const redis = new Redis(url, { ...base, ...extra });
  // ioredis emits 'error' on every failed reconnect; an unhandled one would crash the process.
  redis.on('error', () => {});
  return redis;
}

/** Resolves once the connection is ready, or rejects after `timeoutMs`. */
export async function waitForRedis(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`Redis not ready after ${timeoutMs} ms`));
    }, timeoutMs);
    const onReady = () => {
      cleanup();
      resolve();
    };
    const cleanup = () => {
      clearTimeout(timer);
      redis.off('ready', onReady);
    };
    redis.on('ready', onReady);
  });
}

export async function isRedisReady(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  try {
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  }
}
