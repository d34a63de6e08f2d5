import { createBlobStore } from '@switchboard/blob';
import { surveyLinkKey } from '@switchboard/channels';
import { ConfigError, decodeKey, loadConfig } from '@switchboard/config';
import { createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown } from '@switchboard/runtime';
import { buildApi } from './app.ts';
import { apiEnv } from './config.ts';

function readConfig() {
  try {
    return loadConfig(apiEnv);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}

const config = readConfig();
const logger = createLogger({ service: 'api', level: config.LOG_LEVEL });

try {
  const pool = createPool({ connectionString: config.DATABASE_URL, max: config.DATABASE_POOL_MAX, applicationName: 'switchboard-api' });
  const redis = createRedis(config.REDIS_URL, 'producer');
  const producer = createProducer(redis, config.QUEUE_PREFIX);
  // the config schema already refused keys that do not decode
  const masterKey = decodeKey(config.SWITCHBOARD_SECRET_KEY)!;
  const secretBox = createSecretBox(masterKey);

  let isShuttingDown = () => false;
  const app = await buildApi({
    pool,
    producer,
    secretBox,
    logger,
    blobs: createBlobStore(config),
    publish: (channel, payload) => redis.publish(channel, payload),
    redis,
    queuePrefix: config.QUEUE_PREFIX,
    rateLimitPerMin: config.API_RATE_LIMIT_PER_MIN,
    adminToken: config.SWITCHBOARD_ADMIN_TOKEN,
    surveyLinkKey: surveyLinkKey(masterKey),
    publicUrls: {
      telegramWebhookBase: config.TELEGRAM_WEBHOOK_BASE_URL,
      webchatBase: config.WEBCHAT_BASE_URL,
      whatsappWebhookBase: config.WHATSAPP_WEBHOOK_BASE_URL,
      metaWebhookBase: config.META_WEBHOOK_BASE_URL,
      smsWebhookBase: config.SMS_WEBHOOK_BASE_URL,
    },
    readiness: { database: () => isDatabaseReady(pool), redis: () => isRedisReady(redis) },
    isShuttingDown: () => isShuttingDown(),
    metrics: createMetrics('api'),
  });

  // in order: stop taking requests (in-flight ones finish), then close what they used
  ({ isShuttingDown } = handleShutdown(logger, [
    { name: 'http', run: () => app.close() },
    { name: 'producer', run: () => producer.close() },
    { name: 'redis', run: () => redis.quit() },
    { name: 'database', run: () => pool.end() },
  ]));

  await app.listen({ host: config.HOST, port: config.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}
