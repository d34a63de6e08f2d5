import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { QUEUES, type QueueName } from '@switchboard/contracts';
import { claimForSending, createSecretBox, isDatabaseReady, markFailed, markSent } from '@switchboard/db';
import { PermanentError } from '@switchboard/errors';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, jobIdFor, startWorker, waitForRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, inboundText, seedDesk, testQueuePrefix, testRedisUrl, waitFor, type Desk, type TestDatabase } from '@switchboard/testkit';
import { buildApi } from './app.ts';
import { ADMIN_TOKEN, PUBLIC_URLS, receiveTelegramMessage } from './testing.ts';

// startTestApi gives the API no queue prefix: this file builds one that reaches its queues
let db: TestDatabase;
let app: FastifyInstance;
let producer: Producer;
let desk: Desk;
let agentToken: string;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const workerRedis = createRedis(testRedisUrl(), 'worker');
const workers: Worker[] = [];

const call = (token: string | null, options: InjectOptions) =>
  app.inject({ ...options, headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...options.headers } });
const admin = (method: InjectOptions['method'], url: string) => call(ADMIN_TOKEN, { method, url });

beforeAll(async () => {
  db = await createTestDatabase();
  await waitForRedis(redis);
  producer = createProducer(redis, prefix);
  app = await buildApi({
    pool: db.pool,
    producer,
    redis,
    queuePrefix: prefix,
    rateLimitPerMin: 1_000_000,
    secretBox: createSecretBox(randomBytes(32)),
    logger: silentLogger(),
    adminToken: ADMIN_TOKEN,
    publicUrls: PUBLIC_URLS,
    readiness: { database: () => isDatabaseReady(db.pool), redis: () => isRedisReady(redis) },
  });
  desk = await seedDesk(db.pool, { agents: 1 });
  agentToken = (await call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Ann' } })).json().token;
});

afterAll(async () => {
  await Promise.all(workers.map((w) => w.close()));
  await app.close();
  await producer.close();
  redis.disconnect();
  workerRedis.disconnect();
  await dropQueuePrefix(prefix);
  await db.drop();
});

/** Runs `handler` on `queue` until `count` jobs have failed for good there. */
async function failJobs<Q extends QueueName>(queue: Q, count: number, handler: Parameters<typeof startWorker<Q>>[1]): Promise<void> {
  let failed = 0;
  const worker = startWorker(queue, handler, { connection: workerRedis, prefix, logger: silentLogger(), concurrency: 1 });
  workers.push(worker);
  await new Promise<void>((resolve) => worker.on('failed', () => ++failed === count && resolve()));
  await worker.close();
}

const permanent = async () => {
  throw new PermanentError('inbox_not_found', 'no such inbox');
};

describe('dead letters', () => {
  let replyId: string;

  beforeAll(async () => {
    for (const from of ['1', '2', '3']) await producer.add('inbound', inboundText(desk.inbox.id, { from, text: `poison ${from}` }));
    await failJobs('inbound', 3, permanent);
    // an agent reply that failed for good, as egress leaves one: the row `failed`, the job in the failed set
    const conversationId = await receiveTelegramMessage(db.pool, desk.inbox.id, '4242');
    const res = await call(ADMIN_TOKEN, { method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, payload: { text: 'we are on it' } });
    expect(res.statusCode).toBe(201);
    replyId = res.json().id;
    await failJobs('outbound-telegram', 1, async ({ messageId }) => {
      await markFailed(db.pool, messageId, 'retries_exhausted', 'Telegram answered 502');
      throw new PermanentError('retries_exhausted', 'Telegram answered 502');
    });
  });

  it('lists failed jobs of every queue, newest first, page by page', async () => {
    const all = await admin('GET', '/api/v1/dead-letters');
    expect(all.statusCode).toBe(200);
    const items = all.json().items as { queue: string; jobId: string; summary: Record<string, unknown>; failedReason: string; attemptsMade: number; failedAt: string }[];
    expect(items.map((i) => i.queue)).toEqual(['outbound-telegram', 'inbound', 'inbound', 'inbound']);
    expect(items[0]).toMatchObject({ jobId: jobIdFor('out', replyId), summary: { messageId: replyId, channel: 'telegram' }, failedReason: 'retries_exhausted: Telegram answered 502', attemptsMade: 1 });
    expect(items[1]!.summary).toMatchObject({ inboxId: desk.inbox.id, type: 'message', channel: 'telegram' });
    expect([...items].sort((a, b) => b.failedAt.localeCompare(a.failedAt))).toEqual(items);

    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await admin('GET', `/api/v1/dead-letters?queue=inbound&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      seen.push(...page.json().items.map((i: { jobId: string }) => i.jobId));
      cursor = page.json().nextCursor;
    } while (cursor);
    expect(seen).toEqual(items.slice(1).map((i) => i.jobId));

    expect((await admin('GET', '/api/v1/dead-letters?cursor=not-a-cursor')).statusCode).toBe(400);
    expect((await admin('GET', '/api/v1/dead-letters?queue=nope')).statusCode).toBe(400);
    expect((await call(agentToken, { method: 'GET', url: '/api/v1/dead-letters' })).statusCode).toBe(403);
  });

  it('shows one with its whole payload and stack', async () => {
    const [first] = (await admin('GET', '/api/v1/dead-letters?queue=inbound&limit=1')).json().items;
    const res = await admin('GET', `/api/v1/dead-letters/inbound/${first.jobId}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ jobId: first.jobId, attempts: 10, data: { content: { text: expect.stringMatching(/^poison/) } } });
    expect(res.json().stacktrace[0]).toContain('UnrecoverableError: inbox_not_found');
    expect((await admin('GET', '/api/v1/dead-letters/inbound/no-such-job')).statusCode).toBe(404);
  });

  it('replays a failed reply: the row back to queued, an event and an audit entry, and egress can claim it', async () => {
    const jobId = jobIdFor('out', replyId);
    const res = await admin('POST', `/api/v1/dead-letters/outbound-telegram/${jobId}/replay`);
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ queue: 'outbound-telegram', jobId, messageReset: true });
    const { rows: [message] } = await db.pool.query(`select status, error_code from messages where id = $1`, [replyId]);
    expect(message).toEqual({ status: 'queued', error_code: null });
    const { rows: events } = await db.pool.query(`select payload from events where type = 'message.status' and payload->>'messageId' = $1 order by id`, [replyId]);
    expect(events.map((e) => e.payload.status)).toEqual(['failed', 'queued']);
    const audit = (await admin('GET', '/api/v1/audit?action=dead_letter.replay')).json().items;
    expect(audit[0]).toMatchObject({ targetType: 'dead_letter', targetId: `outbound-telegram/${jobId}`, actorRole: 'admin' });
    expect((await admin('POST', `/api/v1/dead-letters/outbound-telegram/${jobId}/replay`)).json().error.code).toBe('not_failed');

    // the job runs again with fresh attempts and egress's claim takes the reply
    const claims: string[] = [];
    const worker = startWorker('outbound-telegram', async ({ messageId }) => {
      const claim = await claimForSending(db.pool, messageId, { resendInterrupted: false });
      claims.push(claim);
      if (claim === 'claimed') await markSent(db.pool, messageId, 'tg-1', new Date());
    }, { connection: workerRedis, prefix, logger: silentLogger() });
    workers.push(worker);
    await waitFor(() => claims.length > 0, { what: 'the replayed job to run' });
    expect(claims).toEqual(['claimed']);
    const { rows: [sent] } = await db.pool.query(`select status from messages where id = $1`, [replyId]);
    expect(sent.status).toBe('sent');
    expect((await admin('GET', '/api/v1/dead-letters?queue=outbound-telegram')).json().items).toEqual([]);
  });

  it('discards one, audited', async () => {
    const [first] = (await admin('GET', '/api/v1/dead-letters?queue=inbound&limit=1')).json().items;
    expect((await admin('DELETE', `/api/v1/dead-letters/inbound/${first.jobId}`)).statusCode).toBe(204);
    expect((await admin('DELETE', `/api/v1/dead-letters/inbound/${first.jobId}`)).statusCode).toBe(404);
    expect((await admin('GET', '/api/v1/dead-letters?queue=inbound')).json().items.map((i: { jobId: string }) => i.jobId)).not.toContain(first.jobId);
    expect((await admin('GET', '/api/v1/audit?action=dead_letter.delete')).json().items[0].targetId).toBe(`inbound/${first.jobId}`);
  });

  it('serves the queue dashboard to admins only, and lists failed jobs in its JSON API', async () => {
    expect((await call(null, { method: 'GET', url: '/admin/queues' })).statusCode).toBe(401);
    expect((await call(agentToken, { method: 'GET', url: '/admin/queues' })).statusCode).toBe(403);
    expect((await call(null, { method: 'GET', url: '/admin/queues?access_token=wrong' })).statusCode).toBe(401);
    const page = await call(ADMIN_TOKEN, { method: 'GET', url: '/admin/queues' });
    expect(page.statusCode).toBe(200);
    expect(page.headers['content-type']).toContain('text/html');

    // a browser opens it with ?access_token=, then its own requests carry the cookie
    const opened = await call(null, { method: 'GET', url: `/admin/queues?access_token=${ADMIN_TOKEN}` });
    expect(opened.statusCode).toBe(200);
    const cookie = String(opened.headers['set-cookie']).split(';')[0]!;
    expect(String(opened.headers['set-cookie'])).toMatch(/HttpOnly; SameSite=Strict/);
    const queues = await call(null, { method: 'GET', url: '/admin/queues/api/queues?activeQueue=inbound&status=failed', headers: { cookie } });
    expect(queues.statusCode).toBe(200);
    const inbound = (queues.json().queues as { name: string; jobs: { id: string; failedReason: string }[] }[]).find((q) => q.name === 'inbound')!;
    expect(inbound.jobs.length).toBe(2);
    expect(inbound.jobs[0]!.failedReason).toBe('inbox_not_found: no such inbox');
    expect(queues.json().queues.map((q: { name: string }) => q.name).sort()).toEqual(Object.keys(QUEUES).sort());

    // read-only: acting goes through the audited API
    const retry = await call(ADMIN_TOKEN, { method: 'PUT', url: `/admin/queues/api/queues/inbound/${inbound.jobs[0]!.id}/retry` });
    expect(retry.statusCode).toBe(405);
  });
});
