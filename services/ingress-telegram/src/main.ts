import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import { buildTelegramIngress } from './app.ts';
import { ingressTelegramEnv } from './config.ts';
import { startPollers } from './poller.ts';

const logger = createLogger({ service: 'ingress-telegram', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(ingressTelegramEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-ingress-telegram' });
  const redis = createRedis(env.REDIS_URL, 'producer');
  const producer = createProducer(redis, env.QUEUE_PREFIX);
  const inboxes = createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!));
  const pollers = startPollers({ pool, redis, producer, inboxes, logger, apiRoot: env.TELEGRAM_API_ROOT, pollTimeoutS: env.TELEGRAM_POLL_TIMEOUT_S });

  let app: Awaited<ReturnType<typeof buildTelegramIngress>> | undefined;
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'http', run: async () => app?.close() },
    { name: 'pollers', run: () => pollers.close() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'postgres', run: () => pool.end() },
  ]);
  app = await buildTelegramIngress({
    pool,
    producer,
    inboxes,
    logger,
    apiRoot: env.TELEGRAM_API_ROOT,
    readiness: { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) },
    isShuttingDown,
    metrics: createMetrics('ingress-telegram'),
  });
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
