import type { BlobStore } from '@switchboard/blob';
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { InboundEvent } from '@switchboard/contracts';
import { createSecretBox, isDatabaseReady, recordInbound, withTransaction, type Pool, type SecretBox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, waitForRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import type { Clock } from '@switchboard/routing';
import { createMetrics } from '@switchboard/runtime';
import { buildApi } from './app.ts';

/** Test support for the API's integration tests: a real database and Redis per test file. */

export const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
export const PUBLIC_URLS = {
  telegramWebhookBase: 'https://hooks.example.test/',
  webchatBase: 'https://chat.example.test',
  whatsappWebhookBase: 'https://wa.example.test',
  metaWebhookBase: 'https://meta.example.test/',
  smsWebhookBase: 'https://sms.example.test',
};

export interface TestApi {
  app: FastifyInstance;
  db: TestDatabase;
  pool: Pool;
  producer: Producer;
  secretBox: SecretBox;
  prefix: string;
  /** Calls the API with `token` as bearer (none when null). */
  call(token: string | null, options: InjectOptions): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export async function startTestApi(options: { producer?: Producer; clock?: Clock; blobs?: BlobStore; rateLimitPerMin?: number } = {}): Promise<TestApi> {
  const db = await createTestDatabase();
  const redis = createRedis(testRedisUrl(), 'producer');
  await waitForRedis(redis);
  const prefix = testQueuePrefix();
  const producer = createProducer(redis, prefix);
  const secretBox = createSecretBox(randomBytes(32));
  const app = await buildApi({
    pool: db.pool,
    producer: options.producer ?? producer,
    ...(options.clock ? { clock: options.clock } : {}),
    ...(options.blobs ? { blobs: options.blobs } : {}),
    publish: (channel, payload) => redis.publish(channel, payload),
    redis,
    queuePrefix: prefix,
    // test files share one Redis and the bootstrap admin token: only a test about limits sets a low one
    rateLimitPerMin: options.rateLimitPerMin ?? 1_000_000,
    secretBox,
    logger: silentLogger(),
    adminToken: ADMIN_TOKEN,
    publicUrls: PUBLIC_URLS,
    readiness: { database: () => isDatabaseReady(db.pool), redis: () => isRedisReady(redis) },
    metrics: createMetrics('api'),
  });
  return {
    app,
    db,
    pool: db.pool,
    producer,
    secretBox,
    prefix,
    call: (token, opts) => app.inject({ ...opts, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...opts.headers } }),
    async close() {
      await app.close();
      await producer.close();
      redis.disconnect();
      await dropQueuePrefix(prefix);
      await db.drop();
    },
  };
}

/** Jobs waiting in one queue under the test prefix (nothing consumes them in these tests). */
export async function waitingJobs(prefix: string, name: string): Promise<{ id: string | undefined; data: Record<string, unknown> }[]> {
  const connection = createRedis(testRedisUrl(), 'client');
  await waitForRedis(connection);
  const queue = new Queue(name, { connection, prefix });
  try {
    const jobs = await queue.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs.map((j) => ({ id: j.id, data: j.data as Record<string, unknown> }));
  } finally {
    await queue.close();
    connection.disconnect();
  }
}

/** Stores one inbound Telegram message as the router would; returns the conversation id. */
export async function receiveTelegramMessage(pool: Pool, inboxId: string, chatId: string, text = 'hello'): Promise<string> {
  const now = new Date().toISOString();
  const messageId = randomUUID();
  const event: InboundEvent = {
    eventId: `tg-${messageId}`,
    inboxId,
    channel: 'telegram',
    type: 'message',
    externalMessageId: messageId,
    thread: { externalId: chatId },
    sender: { externalId: chatId, name: `Customer ${chatId}` },
    content: { text, attachments: [] },
    sentAt: now,
    receivedAt: now,
    raw: {},
  };
  const outcome = await withTransaction(pool, (tx) => recordInbound(tx, event));
  if (outcome.kind !== 'stored') throw new Error(`inbound not stored: ${outcome.kind}`);
  return outcome.conversationId;
}

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** The field a 400 names first: `body.name: Invalid input …` → `body.name`. */
export const fieldOf = (res: { json(): { error: { message: string } } }) => res.json().error.message.split(':')[0];

/**
 * Short callers for a test file's API, which is started in beforeAll (hence `current`):
 * `as(token, method, url, payload?)`, and `admin(...)` with the bootstrap admin token.
 */
export function callers(current: () => TestApi) {
  const as = (token: string | null, method: Method, url: string, payload?: unknown) =>
    current().call(token, payload === undefined ? { method, url } : { method, url, payload: payload as object });
  const admin = (method: Method, url: string, payload?: unknown) => as(ADMIN_TOKEN, method, url, payload);
  return { as, admin };
}
