import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import { createInbox, createSecretBox, type Inbox, type SecretBox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { buildWebchatIngress, type WebchatIngressDeps } from './app.ts';

/** One ingress on a fresh database and queue prefix, for the integration tests of this service. */
export interface Harness {
  db: TestDatabase;
  prefix: string;
  secretBox: SecretBox;
  app: FastifyInstance;
  producer: Producer;
  subscriber: Redis;
  /** Reads the `inbound` queue under this harness's prefix. */
  inbound: Queue;
  /** A plain client for PUBLISH and PUBSUB in tests. */
  redis: Redis;
  createWebchatInbox(config?: Record<string, unknown> & { allowedOrigins?: string[] }, options?: { secrets?: Record<string, unknown>; defaultQueueId?: string | null }): Promise<Inbox>;
  close(): Promise<void>;
}

export async function startHarness(options: Pick<WebchatIngressDeps, 'blobs' | 'clock' | 'metrics'> = {}): Promise<Harness> {
  const db = await createTestDatabase();
  const prefix = testQueuePrefix();
  const secretBox = createSecretBox(randomBytes(32));
  const producerRedis = createRedis(testRedisUrl(), 'producer');
  const subscriber = createRedis(testRedisUrl(), 'worker');
  const redis = createRedis(testRedisUrl(), 'client');
  const queueRedis = createRedis(testRedisUrl(), 'worker');
  const producer = createProducer(producerRedis, prefix);
  const inbound = new Queue('inbound', { connection: queueRedis, prefix });
  const app = await buildWebchatIngress({ pool: db.pool, producer, subscriber, secretBox, logger: silentLogger(), readiness: {}, ...options });
  return {
    db,
    prefix,
    secretBox,
    app,
    producer,
    subscriber,
    inbound,
    redis,
    createWebchatInbox: (config = {}, inboxOptions = {}) =>
      createInbox(db.pool, secretBox, {
        channel: 'webchat',
        name: 'website',
        config: { ...config, allowedOrigins: config.allowedOrigins ?? [] },
        secrets: { visitorTokenKey: randomBytes(32).toString('base64'), ...inboxOptions.secrets },
        defaultQueueId: inboxOptions.defaultQueueId ?? null,
      }),
    async close() {
      await app.close();
      await producer.close();
      await inbound.close();
      await Promise.all([producerRedis.quit(), subscriber.quit(), redis.quit(), queueRedis.quit()]);
      await dropQueuePrefix(prefix);
      await db.drop();
    },
  };
}
