import { createBlobStore } from '@switchboard/blob';
import { ConfigError, decodeKey, loadConfig } from '@switchboard/config';
import { createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import { buildWebchatIngress } from './app.ts';
import { ingressWebchatEnv } from './config.ts';

let env: ReturnType<typeof loadConfig<typeof ingressWebchatEnv>>;
try {
  env = loadConfig(ingressWebchatEnv);
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  console.error(error.message);
  process.exit(1);
}

const logger = createLogger({ service: 'ingress-webchat', level: env.LOG_LEVEL });
try {
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-ingress-webchat' });
  // fails fast, so a send answers 503 instead of hanging while Redis is down
  const redis = createRedis(env.REDIS_URL, 'producer');
  // waits out outages and re-subscribes on reconnect; a subscribed connection runs nothing else
  const subscriber = createRedis(env.REDIS_URL, 'worker');
  const producer = createProducer(redis, env.QUEUE_PREFIX);

  let app: Awaited<ReturnType<typeof buildWebchatIngress>> | undefined;
  const { isShuttingDown } = handleShutdown(logger, [
    // stops accepting and closes every visitor socket (code 1012: reconnect elsewhere)
    { name: 'http', run: async () => app?.close() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'subscriber', run: () => subscriber.quit() },
    { name: 'postgres', run: () => pool.end() },
  ]);
  app = await buildWebchatIngress({
    pool,
    producer,
    subscriber,
    secretBox: createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!),
    logger,
    readiness: {
      postgres: () => isDatabaseReady(pool),
      redis: () => isRedisReady(redis),
      // PING means something else on a subscribed connection; its state says enough
      redis_subscriber: async () => subscriber.status === 'ready',
    },
    isShuttingDown,
    demo: env.WEBCHAT_DEMO,
    blobs: createBlobStore(env),
    rateLimits: {
      redis,
      perIp: env.WEBCHAT_RATE_LIMIT_PER_IP,
      sessionsPerIp: env.WEBCHAT_SESSIONS_PER_IP,
      perVisitor: env.WEBCHAT_RATE_LIMIT_PER_VISITOR,
      keyPrefix: env.QUEUE_PREFIX,
    },
    trustProxy: parseTrustProxy(env.TRUST_PROXY),
    metrics: createMetrics('ingress-webchat'),
  });
  await app.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}

/** fastify's trustProxy: `true`/`false`, or comma-separated proxy addresses/CIDRs (passed as is). */
function parseTrustProxy(value: string): boolean | string {
  return value === 'true' || value === 'false' ? value === 'true' : value;
}
