import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createInboxCache, createPool, type Pool } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, jobIdFor, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, fixtureJson, fixtureText, metricCount, seedDesk, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor,
  type Desk, type FakeTelegram, type TestDatabase } from '@switchboard/testkit';
import { createMetrics } from '@switchboard/runtime';
import { buildTelegramIngress } from './app.ts';
import { startPollers } from './poller.ts';

const vector = fixtureJson('telegram/sig_secret_token_valid.json') as { secret: string; body: string; headers: Record<string, string> };
const wrong = fixtureJson('telegram/sig_secret_token_wrong.json') as { headers: Record<string, string>; body: string };

let db: TestDatabase;
let desk: Desk;
let app: FastifyInstance;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const producer = createProducer(redis, prefix);
const queueRedis = createRedis(testRedisUrl(), 'worker');
const inbound = new Queue('inbound', { connection: queueRedis, prefix });

async function build(overrides: { pool?: Pool; producer?: Producer; metrics?: boolean } = {}): Promise<FastifyInstance> {
  const pool = overrides.pool ?? db.pool;
  return buildTelegramIngress({
    pool,
    producer: overrides.producer ?? producer,
    inboxes: createInboxCache(pool, desk.box),
    logger: silentLogger(),
    readiness: {},
    ...(overrides.metrics && { metrics: createMetrics('ingress-telegram') }),
  });
}

const post = (target: FastifyInstance, body: string, headers: Record<string, string>, inboxId = desk.inbox.id) =>
  target.inject({ method: 'POST', url: `/webhooks/telegram/${inboxId}`, payload: body, headers: { 'content-type': 'application/json', ...headers } });

beforeAll(async () => {
  db = await createTestDatabase();
  desk = await seedDesk(db.pool, { secrets: { botToken: '123456:TEST-token_abc', webhookSecret: vector.secret } });
  app = await build();
});
afterAll(async () => {
  await app.close();
  await producer.close();
  await inbound.close();
  queueRedis.disconnect();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await db.drop();
});

describe('telegram webhook', () => {
  it('queues a verified update under a job id derived from the inbox and the message', async () => {
    const res = await post(app, vector.body, vector.headers);
    expect(res.statusCode).toBe(200);
    const job = await inbound.getJob(jobIdFor(desk.inbox.id, 'tg-408258968-154'));
    expect(job?.data).toMatchObject({ inboxId: desk.inbox.id, externalMessageId: '408258968:154', content: { text: '4' } });
  });

  it('answers 401 and queues nothing for a wrong or missing secret token', async () => {
    const before = await inbound.getJobCounts();
    expect((await post(app, wrong.body, wrong.headers)).statusCode).toBe(401);
    expect((await post(app, vector.body, {})).statusCode).toBe(401);
    expect(await inbound.getJobCounts()).toEqual(before);
  });

  it('acknowledges group chats and non-message updates without queueing them', async () => {
    const before = await inbound.getJobCounts();
    for (const name of ['group_supergroup_command_reply', 'message_reaction_not_a_message', 'dice_in_group']) {
      const res = await post(app, fixtureText(`telegram/${name}.json`), vector.headers);
      expect(res.statusCode).toBe(200);
    }
    expect(await inbound.getJobCounts()).toEqual(before);
  });

  it('parks a verified payload it cannot parse and acknowledges it', async () => {
    const truncated = fixtureText('telegram/text_private.json').slice(0, 120);
    const res = await post(app, truncated, vector.headers);
    expect(res.statusCode).toBe(200);
    const { rows } = await db.pool.query(`select channel, reason, body from inbound_rejected where inbox_id = $1`, [desk.inbox.id]);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ channel: 'telegram', body: truncated });
    expect(rows[0].reason).toMatch(/JSON/);
  });

  it('marks the contact unreachable when the user blocks the bot', async () => {
    const blocked = fixtureJson('telegram/my_chat_member_bot_blocked.json') as { my_chat_member: { from: { id: number } } };
    const userId = String(blocked.my_chat_member.from.id);
    const { rows: [contact] } = await db.pool.query(`insert into contacts(name) values ('blocker') returning id`);
    await db.pool.query(`insert into contact_identities(contact_id, inbox_id, channel, external_id) values ($1, $2, 'telegram', $3)`, [contact.id, desk.inbox.id, userId]);
    const res = await post(app, fixtureText('telegram/my_chat_member_bot_blocked.json'), vector.headers);
    expect(res.statusCode).toBe(200);
    const { rows } = await db.pool.query(`select unreachable_at from contact_identities where external_id = $1`, [userId]);
    expect(rows[0].unreachable_at).toBeInstanceOf(Date);
  });

  it('answers 503 when Redis is unreachable, so Telegram retries', async () => {
    const deadRedis = createRedis('redis://127.0.0.1:1', 'producer');
    const deadProducer = createProducer(deadRedis, prefix, { timeoutMs: 1_000 });
    const degraded = await build({ producer: deadProducer });
    const res = await post(degraded, vector.body, vector.headers);
    expect(res.statusCode).toBe(503);
    expect(res.headers['retry-after']).toBe('5');
    await degraded.close();
    await deadProducer.close();
    deadRedis.disconnect();
  });

  it('answers 503 when PostgreSQL is unreachable', async () => {
    const deadPool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const degraded = await build({ pool: deadPool });
    const res = await post(degraded, vector.body, vector.headers);
    expect(res.statusCode).toBe(503);
    await degraded.close();
    await deadPool.end();
  });

  it('answers 404 for an unknown inbox', async () => {
    const res = await post(app, vector.body, vector.headers, '00000000-0000-4000-8000-000000000000');
    expect(res.statusCode).toBe(404);
  });

  it('counts webhooks by outcome and times requests by route on /metrics', async () => {
    const measured = await build({ metrics: true });
    expect((await post(measured, vector.body, vector.headers)).statusCode).toBe(200);
    expect((await post(measured, wrong.body, wrong.headers)).statusCode).toBe(401);
    expect((await post(measured, fixtureText('telegram/text_private.json').slice(0, 120), vector.headers)).statusCode).toBe(200);
    expect((await post(measured, vector.body, vector.headers, '00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
    expect((await measured.inject({ method: 'GET', url: '/nowhere/42' })).statusCode).toBe(404);

    // scraped over real HTTP, as Prometheus does
    const url = await measured.listen({ host: '127.0.0.1', port: 0 });
    const res = await fetch(`${url}/metrics`);
    expect(res.status).toBe(200);
    const page = await res.text();
    await measured.close();
    const webhooks = (outcome: string) => metricCount(page, 'switchboard_webhooks_total', { channel: 'telegram', outcome });
    expect([webhooks('accepted'), webhooks('unauthorized'), webhooks('parked'), webhooks('rejected'), webhooks('unavailable')]).toEqual([1, 1, 1, 1, 0]);
    const requests = (route: string, status: string) => metricCount(page, 'http_request_duration_seconds_count', { method: 'POST', route, status_code: status });
    expect(requests('/webhooks/telegram/:inboxId', '200')).toBe(2);
    expect(requests('/webhooks/telegram/:inboxId', '401')).toBe(1);
    expect(metricCount(page, 'http_request_duration_seconds_count', { method: 'GET', route: 'unmatched', status_code: '404' })).toBe(1);
    expect(page).toMatch(/^nodejs_heap_size_used_bytes\{service="ingress-telegram"\} /m);
  });
});

describe('telegram long polling', () => {
  let fake: FakeTelegram;
  beforeAll(async () => {
    fake = await startFakeTelegram();
  });
  afterAll(async () => {
    await fake.close();
  });

  it('polls a bot from one replica at a time and queues its updates', async () => {
    const polled = await seedDesk(db.pool, { box: desk.box, config: { mode: 'polling' }, secrets: { botToken: '777:POLL-token', webhookSecret: 'unused' } });
    const start = () =>
      startPollers({
        pool: db.pool, redis, producer, inboxes: createInboxCache(db.pool, desk.box), logger: silentLogger(),
        apiRoot: fake.apiRoot, pollTimeoutS: 1, leaseTtlMs: 3_000, refreshMs: 200,
      });
    const replicas = [start(), start()];
    try {
      await waitFor(() => replicas.some((r) => r.active().includes(polled.inbox.id)), { what: 'a poller to take the lease' });
      await fake.waitForCall('deleteWebhook', (c) => c.token === '777:POLL-token');
      fake.pushUpdate(fixtureJson('telegram/text_private.json') as { update_id: number });
      const job = await waitFor(() => inbound.getJob(jobIdFor(polled.inbox.id, 'tg-218485655-6557')), { what: 'the polled update to be queued' });
      expect(job.data).toMatchObject({ externalMessageId: '218485655:6557', content: { text: 'hello there' } });
      expect(replicas.filter((r) => r.active().includes(polled.inbox.id))).toHaveLength(1);
    } finally {
      await Promise.all(replicas.map((r) => r.close()));
    }
  });
});
