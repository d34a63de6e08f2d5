import Fastify from 'fastify';
import { blobUrlKey, createBlobStore, signBlobUrl } from '@switchboard/blob';
import { createEmailSender, createSmtpTransports, createTelegramMediaFetcher,
  createTelegramSender, createWebchatSender, surveyLinkKey } from '@switchboard/channels';
import { createInstagramMediaFetcher, createInstagramSender, createMessengerMediaFetcher, createMessengerSender } from '@switchboard/channels';
import { createWhatsAppMediaFetcher, createWhatsAppSender } from '@switchboard/channels';
import { createSmsMediaFetcher, createSmsSender, type OutboundFile } from '@switchboard/channels';
import { decodeKey, loadConfig } from '@switchboard/config';
import { createInboxCache, createPool, createSecretBox, isDatabaseReady } from '@switchboard/db';
import { createLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, registerQueueGauges } from '@switchboard/queue';
import { createMetrics, exitOnBootFailure, handleShutdown, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { egressEnv } from './config.ts';
import { withEmailContext } from './email-context.ts';
import { EGRESS_QUEUES, startEgress } from './egress.ts';
import { startWebhookWorker } from './webhooks/index.ts';


const logger = createLogger({ service: 'egress', level: process.env.LOG_LEVEL });
try {
  const env = loadConfig(egressEnv);
  const pool = createPool({ connectionString: env.DATABASE_URL, max: env.DATABASE_POOL_MAX, applicationName: 'switchboard-egress' });
  const workerRedis = createRedis(env.REDIS_URL, 'worker');
  const producerRedis = createRedis(env.REDIS_URL, 'producer');
  const publisher = createRedis(env.REDIS_URL, 'client');
  const producer = createProducer(producerRedis, env.QUEUE_PREFIX);
  const smtp = createSmtpTransports();
  const registry = createMetrics('egress');
  const queueGauges = registerQueueGauges(registry, { connection: producerRedis, prefix: env.QUEUE_PREFIX, queues: EGRESS_QUEUES, logger });
  const egress = startEgress({
    pool,
    connection: workerRedis,
    producer,
    prefix: env.QUEUE_PREFIX,
    logger,
    inboxes: createInboxCache(pool, createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!)),
    blobs: createBlobStore(env),
    senders: {
      telegram: createTelegramSender({ apiRoot: env.TELEGRAM_API_ROOT, timeoutMs: env.TELEGRAM_SEND_TIMEOUT_MS }),
      webchat: createWebchatSender({ publish: (channel, payload) => publisher.publish(channel, payload) }),
      email: withEmailContext(pool, createEmailSender({
        transportFor: smtp.transportFor,
        surveyLinks: { baseUrl: env.API_PUBLIC_BASE_URL, key: surveyLinkKey(decodeKey(env.SWITCHBOARD_SECRET_KEY)!) },
      })),
      whatsapp: createWhatsAppSender({ apiRoot: env.WHATSAPP_API_ROOT }),
      messenger: createMessengerSender({ apiRoot: env.META_GRAPH_API_ROOT }),
      instagram: createInstagramSender({ apiRoot: env.META_GRAPH_API_ROOT }),
      sms: createSmsSender({ apiRoot: env.TWILIO_API_ROOT, ...smsPublicLinks(env.SMS_WEBHOOK_BASE_URL, decodeKey(env.SWITCHBOARD_SECRET_KEY)!) }),
    },
    paceRedis: producerRedis,
    fetchers: {
      telegram: createTelegramMediaFetcher({ apiRoot: env.TELEGRAM_API_ROOT, timeoutMs: env.TELEGRAM_SEND_TIMEOUT_MS }),
      whatsapp: createWhatsAppMediaFetcher({ apiRoot: env.WHATSAPP_API_ROOT }),
      messenger: createMessengerMediaFetcher(),
      instagram: createInstagramMediaFetcher(),
      sms: createSmsMediaFetcher(),
    },
    concurrency: env.EGRESS_CONCURRENCY,
    sweepIntervalMs: env.EGRESS_SWEEP_INTERVAL_MS,
    metrics: registry,
  });

  // outbound webhooks: a PostgreSQL-scheduled loop beside the BullMQ workers (see webhooks/worker.ts)
  const webhooks = startWebhookWorker(
    { pool, secretBox: createSecretBox(decodeKey(env.SWITCHBOARD_SECRET_KEY)!), logger },
    { addressPolicy: { allowLoopback: env.WEBHOOK_ALLOW_LOOPBACK, allowPrivate: env.WEBHOOK_ALLOW_PRIVATE_NETWORKS } },
  );
  const http = Fastify({ loggerInstance: logger });
  const { isShuttingDown } = handleShutdown(logger, [
    { name: 'workers', run: () => egress.close() },
    { name: 'webhooks', run: () => webhooks.close() },
    { name: 'http', run: () => http.close() },
    { name: 'smtp', run: async () => smtp.close() },
    { name: 'producer', run: async () => Promise.all([producer.close(), queueGauges.close()]) },
    { name: 'redis', run: async () => Promise.all([workerRedis.quit(), producerRedis.quit(), publisher.quit()]) },
    { name: 'postgres', run: () => pool.end() },
  ]);
  registerHttpMetrics(http, registry);
  registerHealthRoutes(http, { postgres: () => isDatabaseReady(pool), redis: () => isRedisReady(workerRedis) }, isShuttingDown);
  registerMetricsRoute(http, registry);
  await http.listen({ host: env.HOST, port: env.PORT });
} catch (error) {
  exitOnBootFailure(logger, error);
}

/**
 * With ingress-sms reachable at `base`: Twilio reports reply status there, and fetches reply
 * files for MMS from signed links to the blob store that stay valid for a day.
 */
function smsPublicLinks(base: string | undefined, masterKey: Buffer) {
  if (!base) return {};
  const urlKey = blobUrlKey(masterKey);
  return {
    statusCallbackBase: base,
    mediaUrlFor: (file: OutboundFile) => signBlobUrl(base, file.blobKey, urlKey, new Date(Date.now() + 24 * 3_600_000)),
  };
}
