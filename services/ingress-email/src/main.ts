import Fastify from 'fastify';
import { createBlobStore } from '@switchboard/blob';
import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { ingressEmailEnv } from './config.ts';
import { startEmailPollers } from './pollers.ts';
import { startSmtpReceiver } from './smtp-receiver.ts';

const logger = createLogger({ service: 'ingress-email', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(ingressEmailEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-ingress-email' });
  const redis = createRedis(env.REDIS_URL, 'producer');
  const producer = createProducer(redis, env.QUEUE_PREFIX);
  const inboxes = createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!));
  const blobs = createBlobStore(env);
  const metrics = createMetrics('ingress-email');
  const pollers = startEmailPollers({ pool, redis, producer, inboxes, logger, blobs, metrics, pollIntervalMs: env.EMAIL_POLL_INTERVAL_MS, refreshMs: env.EMAIL_INBOX_REFRESH_MS });
  const smtpAuth = env.EMAIL_SMTP_USER && env.EMAIL_SMTP_PASSWORD ? { user: env.EMAIL_SMTP_USER, password: env.EMAIL_SMTP_PASSWORD } : undefined;
  const smtp = env.EMAIL_SMTP_PORT === undefined ? undefined : await startSmtpReceiver(
    { pool, producer, logger, blobs, metrics },
    { host: env.EMAIL_SMTP_HOST, port: env.EMAIL_SMTP_PORT, maxBytes: env.EMAIL_SMTP_MAX_BYTES, ...(smtpAuth ? { auth: smtpAuth } : {}) },
  );
  if (smtp) logger.info({ port: smtp.port, auth: Boolean(smtpAuth) }, 'smtp receiver listening');

  const http = Fastify({ loggerInstance: logger });
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'http', run: () => http.close() },
    // pollers first: a mail being queued finishes before the producer closes
    { name: 'pollers', run: () => pollers.close() },
    // like the pollers: a mail in flight is answered before the producer closes
    { name: 'smtp', run: () => smtp?.close() ?? Promise.resolve() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'postgres', run: () => pool.end() },
  ]);
  registerHttpMetrics(http, metrics);
  registerHealthRoutes(http, { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) }, isShuttingDown);
  registerMetricsRoute(http, metrics);
  await http.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
