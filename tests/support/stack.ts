import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalBlobStore, type BlobStore } from '@switchboard/blob';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '@switchboard/api';
import { createEmailSender, createSmtpTransports, createTelegramMediaFetcher, createTelegramSender, createWebchatSender, surveyLinkKey, type MediaFetcher, type Sender } from '@switchboard/channels';
import { startEgress, withEmailContext, type Egress } from '@switchboard/egress';
import { buildTelegramIngress } from '@switchboard/ingress-telegram';
import { buildWebchatIngress } from '@switchboard/ingress-webchat';
import { startRouter, type Router } from '@switchboard/router';
import { createInboxCache, createSecretBox, isDatabaseReady, type InboxCache, type Pool } from '@switchboard/db';
import { silentLogger, type Logger } from '@switchboard/log';
import { createMetrics } from '@switchboard/runtime';
import { createProducer, createRedis, isRedisReady, waitForRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, startFakeTelegram, testQueuePrefix, testRedisUrl, type FakeTelegram, type TestDatabase } from '@switchboard/testkit';

export const ADMIN_TOKEN = `e2e-admin-${randomBytes(16).toString('hex')}`;

/** The whole system in one process: every service built from its build function, on real ports. */
export interface Stack {
  db: TestDatabase;
  pool: Pool;
  prefix: string;
  telegram: FakeTelegram;
  urls: { api: string; telegram: string; webchat: string };
  router: Router;
  egress: Egress;
  producer: Producer;
  inboxes: InboxCache;
  /** The blob store the API, egress and ingress-webchat share. */
  blobs: BlobStore;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  return app.listen({ host: '127.0.0.1', port: 0 });
}

export interface StackOptions {
  logger?: Logger;
  sweepIntervalMs?: number;
  /** More channels' senders and media fetchers for egress (a channel's e2e test points them at its fake platform). */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's sender takes its own config shape
  senders?: Partial<Record<string, Sender<any, any>>>;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each channel's fetcher takes its own config shape
  fetchers?: Partial<Record<string, MediaFetcher<any, any>>>;
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const logger = options.logger ?? silentLogger();
  const db = await createTestDatabase();
  const prefix = testQueuePrefix();
  const url = testRedisUrl();
  const producerRedis = createRedis(url, 'producer');
  const workerRedis = createRedis(url, 'worker');
  const subscriber = createRedis(url, 'worker');
  const publisher = createRedis(url, 'client');
  await Promise.all([producerRedis, workerRedis, subscriber, publisher].map((r) => waitForRedis(r)));
  const producer = createProducer(producerRedis, prefix);
  const masterKey = randomBytes(32);
  const box = createSecretBox(masterKey);
  const telegram = await startFakeTelegram();
  const readiness = { postgres: () => isDatabaseReady(db.pool), redis: () => isRedisReady(producerRedis) };
  const inboxes = createInboxCache(db.pool, box, 1_000);
  // the API stores agents' uploads, egress reads them: one volume, as in docker-compose
  const blobDir = await mkdtemp(join(tmpdir(), 'sb-stack-blobs-'));
  const blobs = createLocalBlobStore({ dir: blobDir, maxBytes: 5 * 1024 * 1024 });

  const telegramApp = await buildTelegramIngress({ pool: db.pool, producer, inboxes, logger, readiness, apiRoot: telegram.apiRoot });
  const webchatApp = await buildWebchatIngress({ pool: db.pool, producer, subscriber, secretBox: box, logger, readiness, demo: true, blobs });
  const telegramUrl = await listen(telegramApp);
  const webchatUrl = await listen(webchatApp);
  const apiApp = await buildApi({
    pool: db.pool,
    producer,
    secretBox: box,
    logger,
    adminToken: ADMIN_TOKEN,
    surveyLinkKey: surveyLinkKey(masterKey),
    redis: producerRedis,
    queuePrefix: prefix,
    // as in production the API counts in Redis (the survey page's limit); the per-token limit is
    // set out of reach, since e2e files share the bootstrap admin token
    rateLimitPerMin: 1_000_000,
    // its /metrics, as deployed: the support figures counted where things happen (resolves, survey pages)
    metrics: createMetrics('api'),
    publicUrls: { telegramWebhookBase: telegramUrl, webchatBase: webchatUrl },
    readiness,
    blobs,
    publish: (channel, payload) => publisher.publish(channel, payload),
  });
  const apiUrl = await listen(apiApp);

  const smtp = createSmtpTransports();
  const router = startRouter({
    pool: db.pool, connection: workerRedis, producer, prefix, logger, sweepIntervalMs: options.sweepIntervalMs,
    publish: (channel, payload) => publisher.publish(channel, payload),
  });
  const egress = startEgress({
    pool: db.pool,
    connection: workerRedis,
    producer,
    prefix,
    logger,
    inboxes,
    blobs,
    paceRedis: producerRedis,
    senders: {
      telegram: createTelegramSender({ apiRoot: telegram.apiRoot }),
      webchat: createWebchatSender({ publish: (channel, payload) => publisher.publish(channel, payload) }),
      email: withEmailContext(db.pool, createEmailSender({ transportFor: smtp.transportFor, surveyLinks: { baseUrl: apiUrl, key: surveyLinkKey(masterKey) } })),
      ...options.senders,
    },
    fetchers: { telegram: createTelegramMediaFetcher({ apiRoot: telegram.apiRoot }), ...options.fetchers },
  });

  return {
    db,
    pool: db.pool,
    prefix,
    telegram,
    urls: { api: apiUrl, telegram: telegramUrl, webchat: webchatUrl },
    router,
    egress,
    producer,
    inboxes,
    blobs,
    async close() {
      await Promise.all([apiApp.close(), telegramApp.close(), webchatApp.close()]);
      await router.close();
      await egress.close();
      smtp.close();
      await producer.close();
      await telegram.close();
      for (const r of [producerRedis, workerRedis, subscriber, publisher]) r.disconnect();
      await dropQueuePrefix(prefix);
      await db.drop();
      await rm(blobDir, { recursive: true, force: true });
    },
  };
}

/** A small REST client for the tests: JSON in, JSON out, bearer token per call. */
export function apiClient(baseUrl: string, token: string) {
  const call = async <T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> => {
    const res = await fetch(`${baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : undefined) as T };
  };
  return {
    get: <T = any>(path: string) => call<T>('GET', path),
    post: <T = any>(path: string, body?: unknown, headers?: Record<string, string>) => call<T>('POST', path, body ?? {}, headers),
    put: <T = any>(path: string, body?: unknown) => call<T>('PUT', path, body),
    /** Uploads one file as multipart/form-data (part `file`), as a desk UI would. */
    async upload<T = any>(path: string, file: { bytes: Buffer; fileName: string; type: string }) {
      const form = new FormData();
      form.append('file', new Blob([file.bytes], { type: file.type }), file.fileName);
      const res = await fetch(`${baseUrl}${path}`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: form });
      return { status: res.status, body: (await res.json()) as T };
    },
  };
}
export type ApiClient = ReturnType<typeof apiClient>;

/** Admin sets up a queue with `agents` online agents; returns their clients. */
export async function setUpDesk(stack: Stack, options: { agents: number; capacity: number }) {
  const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
  const agents: { id: string; token: string; client: ApiClient }[] = [];
  for (let i = 0; i < options.agents; i++) {
    const res = await admin.post('/api/v1/agents', { name: `Agent ${i + 1}`, email: `agent${i + 1}@e2e.test`, capacity: options.capacity });
    if (res.status !== 201) throw new Error(`creating an agent failed: ${JSON.stringify(res.body)}`);
    agents.push({ id: res.body.agent.id, token: res.body.token, client: apiClient(stack.urls.api, res.body.token) });
  }
  const queue = await admin.post('/api/v1/queues', { name: 'Support', memberIds: agents.map((a) => a.id) });
  if (queue.status !== 201) throw new Error(`creating the queue failed: ${JSON.stringify(queue.body)}`);
  for (const agent of agents) {
    const res = await agent.client.put('/api/v1/me/status', { status: 'online' });
    if (res.status !== 200) throw new Error(`going online failed: ${JSON.stringify(res.body)}`);
  }
  return { admin, agents, queueId: queue.body.id as string };
}
