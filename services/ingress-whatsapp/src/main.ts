import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import { buildWebhookIngress } from '@switchboard/webhook-ingress';
import { ingressWhatsAppEnv } from './config.ts';

const logger = createLogger({ service: 'ingress-whatsapp', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(ingressWhatsAppEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-ingress-whatsapp' });
  const redis = createRedis(env.REDIS_URL, 'producer');
  const producer = createProducer(redis, env.QUEUE_PREFIX);
  const inboxes = createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!));

  let app: Awaited<ReturnType<typeof buildWebhookIngress>> | undefined;
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'http', run: async () => app?.close() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'postgres', run: () => pool.end() },
  ]);
  app = await buildWebhookIngress(
    {
      pool,
      producer,
      inboxes,
      logger,
      readiness: { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) },
      isShuttingDown,
      ...(env.WEBHOOK_PUBLIC_BASE_URL && { publicBaseUrl: env.WEBHOOK_PUBLIC_BASE_URL }),
    },
    ['whatsapp'],
  );
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
