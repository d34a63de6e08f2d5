import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes, randomUUID } from 'node:crypto';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '@switchboard/api';
import { createSecretBox, isDatabaseReady } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, waitForRedis } from '@switchboard/queue';
import { startRouter, type Router } from '@switchboard/router';
import { createTestDatabase, dropQueuePrefix, inboundText, seedDesk, testQueuePrefix, testRedisUrl, waitFor, type TestDatabase } from '@switchboard/testkit';

/**
 * A poison inbound event (valid schema, but its inbox does not exist, so storing it fails every
 * time) queued between good ones, on a router with one worker slot: the good ones are stored,
 * the poison one ends in the failed set, the admin API lists it, and after the cause is fixed
 * (the inbox created) a replay stores it.
 */

const ADMIN = `poison-admin-${randomBytes(12).toString('hex')}`;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const workerRedis = createRedis(testRedisUrl(), 'worker');
const producer = createProducer(redis, prefix);
let db: TestDatabase;
let api: FastifyInstance;
let router: Router;
let inbound: Queue;

beforeAll(async () => {
  db = await createTestDatabase();
  await waitForRedis(redis);
  api = await buildApi({
    pool: db.pool,
    producer,
    redis,
    queuePrefix: prefix,
    // test files share one Redis, and the bootstrap admin's limit is counted across all of them
    rateLimitPerMin: 1_000_000,
    secretBox: createSecretBox(randomBytes(32)),
    logger: silentLogger(),
    adminToken: ADMIN,
    publicUrls: { telegramWebhookBase: 'https://hooks.example.test/', webchatBase: 'https://chat.example.test' },
    readiness: { database: () => isDatabaseReady(db.pool), redis: () => isRedisReady(redis) },
  });
  router = startRouter({ pool: db.pool, connection: workerRedis, producer, prefix, logger: silentLogger(), concurrency: 1, sweepIntervalMs: 3_600_000 });
  inbound = new Queue('inbound', { connection: redis, prefix });
});

afterAll(async () => {
  await router?.close();
  await inbound?.close();
  await api?.close();
  await producer.close();
  redis.disconnect();
  workerRedis.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
});

const admin = (method: 'GET' | 'POST', url: string) => api.inject({ method, url, headers: { authorization: `Bearer ${ADMIN}` } });
const storedTexts = async (): Promise<string[]> =>
  (await db.pool.query<{ text: string }>(`select text from messages where direction = 'in' order by text`)).rows.map((r) => r.text);

describe('a poison inbound message', () => {
  it('never blocks its queue, is kept as a dead letter, and is stored once replayed after the fix', async () => {
    const desk = await seedDesk(db.pool, { agents: 1 });
    const missingInbox = randomUUID();
    // few attempts and a short backoff keep the test fast; production uses the catalog's 10 with exponential backoff
    const options = { attempts: 3, backoff: { type: 'fixed', delay: 500 } };
    await inbound.add('inbound', inboundText(desk.inbox.id, { from: '100', text: 'good 1' }), options);
    await inbound.add('inbound', inboundText(missingInbox, { from: '200', text: 'poison' }), options);
    for (const n of [2, 3, 4]) await inbound.add('inbound', inboundText(desk.inbox.id, { from: String(100 + n), text: `good ${n}` }), options);

    const poisonJob = (await inbound.getJobs(['waiting', 'active', 'delayed'])).find((j) => j.data.inboxId === missingInbox)!;
    // every good event is stored while the poison one still waits for its next attempt
    await waitFor(async () => (await storedTexts()).length === 4, { what: 'the good events stored' });
    expect(await storedTexts()).toEqual(['good 1', 'good 2', 'good 3', 'good 4']);
    expect(await poisonJob.getState()).not.toBe('failed');

    await waitFor(async () => (await inbound.getFailedCount()) === 1, { what: 'the poison job in the failed set' });
    expect(await poisonJob.getState()).toBe('failed');

    const page = await admin('GET', '/api/v1/dead-letters?queue=inbound');
    expect(page.statusCode).toBe(200);
    const listed = page.json().items;
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ queue: 'inbound', attemptsMade: 3, summary: { inboxId: missingInbox } });
    expect(listed[0].failedReason).toMatch(/foreign key/);

    // the fix: the inbox the event names exists now
    await db.pool.query(
      `insert into inboxes(id, channel, name, config, secrets, default_queue_id)
       select $1, channel, 'restored', config, secrets, default_queue_id from inboxes where id = $2`,
      [missingInbox, desk.inbox.id],
    );
    const replay = await admin('POST', `/api/v1/dead-letters/inbound/${listed[0].jobId}/replay`);
    expect(replay.statusCode).toBe(202);
    await waitFor(async () => (await storedTexts()).includes('poison'), { what: 'the replayed event stored' });
    expect(await inbound.getFailedCount()).toBe(0);
    expect((await admin('GET', '/api/v1/dead-letters')).json().items).toEqual([]);
  });
});
