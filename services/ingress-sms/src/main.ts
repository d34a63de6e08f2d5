import { blobUrlKey, createBlobStore } from '@switchboard/blob';
import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import { ingressSmsEnv } from './config.ts';
import { buildSmsIngress } from './index.ts';

const logger = createLogger({ service: 'ingress-sms', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(ingressSmsEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-ingress-sms' });
  const redis = createRedis(env.REDIS_URL, 'producer');
  const producer = createProducer(redis, env.QUEUE_PREFIX);
  const inboxes = createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!));

  let app: Awaited<ReturnType<typeof buildSmsIngress>> | undefined;
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'http', run: async () => app?.close() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'postgres', run: () => pool.end() },
  ]);
  app = await buildSmsIngress({
    pool,
    producer,
    inboxes,
    logger,
    readiness: { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) },
    isShuttingDown,
    ...(env.WEBHOOK_PUBLIC_BASE_URL && { publicBaseUrl: env.WEBHOOK_PUBLIC_BASE_URL }),
    media: { blobs: createBlobStore(env), urlKey: blobUrlKey(decodeKey(env.SWITCHBOARD_SECRET_KEY)!) },
  });
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
