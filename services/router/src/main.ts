import Fastify from 'fastify';
import { loadConfig } from '@switchboard/config';
import { createPool, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, registerQueueGauges } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { routerEnv } from './config.ts';
import { createRouterMetrics } from './metrics.ts';
import { ROUTER_QUEUES, startRouter } from './router.ts';

const logger = createLogger({ service: 'router', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(routerEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-router' });
  const workerRedis = createRedis(env.REDIS_URL, 'worker');
  const producerRedis = createRedis(env.REDIS_URL, 'producer');
  const producer = createProducer(producerRedis, env.QUEUE_PREFIX);
  const registry = createMetrics('router');
  const metrics = createRouterMetrics({ registry, pool, logger });
  const queueGauges = registerQueueGauges(registry, { connection: producerRedis, prefix: env.QUEUE_PREFIX, queues: ROUTER_QUEUES, logger });
  const router = startRouter({
    pool,
    connection: workerRedis,
    producer,
    prefix: env.QUEUE_PREFIX,
    logger,
    concurrency: env.ROUTER_CONCURRENCY,
    sweepIntervalMs: env.ROUTER_SWEEP_INTERVAL_MS,
    heartbeatGraceS: env.ROUTER_HEARTBEAT_GRACE_S,
    reconcileIntervalMs: env.ROUTER_RECONCILE_INTERVAL_MS,
    eventRetentionHours: env.EVENT_RETENTION_HOURS,
    defaultPhoneRegion: env.DEFAULT_PHONE_REGION,
    metrics,
    publish: (channel, payload) => producerRedis.publish(channel, payload),
  });

  const http = Fastify({ loggerInstance: logger });
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'workers', run: () => router.close() },
    { name: 'http', run: () => http.close() },
    { name: 'producer', run: async () => Promise.all([producer.close(), queueGauges.close()]) },
    { name: 'redis', run: async () => Promise.all([workerRedis.quit(), producerRedis.quit()]) },
    { name: 'postgres', run: () => pool.end() },
  ]);
  registerHttpMetrics(http, registry);
  registerHealthRoutes(http, { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(workerRedis) }, isShuttingDown);
  registerMetricsRoute(http, registry);
  await http.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
