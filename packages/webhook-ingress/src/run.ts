import type { FastifyInstance } from 'fastify';
import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import type { z } from 'zod';
import type { WebhookIngressDeps } from './app.ts';

/** The environment every webhook ingress reads (its config.ts composes these fragments). */
interface WebhookIngressEnv {
  DATABASE_URL: string;
  DATABASE_POOL_MAX: number;
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  SWITCHBOARD_SECRET_KEY: string;
  HOST: string;
  PORT: number;
  WEBHOOK_PUBLIC_BASE_URL?: string | undefined;
}

/**
 * The whole main.ts of a webhook ingress service: parse the environment, connect to PostgreSQL
 * and Redis, build the app with `build`, listen, and shut down in order on SIGTERM.
 */
export async function runWebhookIngress<S extends z.ZodRawShape>(
  service: string,
  shape: S,
  build: (deps: WebhookIngressDeps, env: WebhookIngressEnv & z.infer<z.ZodObject<S>>) => Promise<FastifyInstance>,
): Promise<void> {
  const logger = createLogger({ service, level: process.env.LOG_LEVEL });
  try {
    const env = loadConfig(shape) as WebhookIngressEnv & z.infer<z.ZodObject<S>>;
    const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: `switchboard-${service}` });
    const redis = createRedis(env.REDIS_URL, 'producer');
    const producer = createProducer(redis, env.QUEUE_PREFIX);
    const inboxes = createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!));

    let app: FastifyInstance | undefined;
    const { isShuttingDown } = handleShutdown(logger, [
      { name: 'http', run: async () => app?.close() },
      { name: 'producer', run: () => producer.close() },
      { name: 'redis', run: () => redis.quit() },
      { name: 'postgres', run: () => pool.end() },
    ]);
    const deps: WebhookIngressDeps = {
      pool,
      producer,
      inboxes,
      logger,
      readiness: { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) },
      isShuttingDown,
      metrics: createMetrics(service),
      ...(env.WEBHOOK_PUBLIC_BASE_URL && { publicBaseUrl: env.WEBHOOK_PUBLIC_BASE_URL }),
    };
    app = await build(deps, env);
    await app.listen({ host: env.HOST, port: env.PORT });
  } catch (error) {
    exitOnBootFailure(logger, error);
  }
}
