import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import type { Redis } from 'ioredis';
import { createTelegramSender } from '@switchboard/channels';
import { createInboxCache, createOutboundMessage, createSecretBox, recordInbound, withTransaction } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, jobIdFor, registerQueueGauges, waitForRedis, type Producer } from '@switchboard/queue';
import { createMetrics, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import {
  createTestDatabase, dropQueuePrefix, fixtureJson, inboundText, metricCount, seedDesk, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor,
  type FakeTelegram, type TestDatabase,
} from '@switchboard/testkit';
import { EGRESS_QUEUES, startEgress, type Egress } from './egress.ts';

const BOT_TOKEN = '123456:TEST-token_abc';
const prefix = testQueuePrefix();
const box = createSecretBox(randomBytes(32));
const logger = silentLogger();
const registry = createMetrics('egress-test');
const http = Fastify();
let db: TestDatabase;
let fake: FakeTelegram;
let producerRedis: Redis;
let workerRedis: Redis;
let producer: Producer;
let egress: Egress;
let gauges: { close(): Promise<void> };
let metricsUrl: string;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  producerRedis = createRedis(testRedisUrl(), 'producer');
  workerRedis = createRedis(testRedisUrl(), 'worker');
  await Promise.all([producerRedis, workerRedis].map((r) => waitForRedis(r)));
  producer = createProducer(producerRedis, prefix);
  gauges = registerQueueGauges(registry, { connection: producerRedis, prefix, queues: EGRESS_QUEUES, logger });
  egress = startEgress({
    pool: db.pool,
    connection: workerRedis,
    producer,
    prefix,
    logger,
    inboxes: createInboxCache(db.pool, box, 1_000),
    senders: { telegram: createTelegramSender({ apiRoot: fake.apiRoot }) },
    sweepIntervalMs: 3_600_000,
    metrics: registry,
  });
  // as main.ts serves it, scraped over real HTTP
  registerHttpMetrics(http, registry);
  registerMetricsRoute(http, registry);
  metricsUrl = `${await http.listen({ host: '127.0.0.1', port: 0 })}/metrics`;
});

afterAll(async () => {
  await egress?.close();
  await http.close();
  await gauges?.close();
  await producer?.close();
  await fake?.close();
  producerRedis?.disconnect();
  workerRedis?.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
});

async function scrape(): Promise<string> {
  const res = await fetch(metricsUrl);
  expect(res.status).toBe(200);
  return res.text();
}

/** A customer wrote, an agent answered: the reply's id, queued for egress. */
async function queueReply(from: string, text: string): Promise<string> {
  const desk = await seedDesk(db.pool, { box, agents: 1, secrets: { botToken: BOT_TOKEN, webhookSecret: 'SecretToken' } });
  const inbound = await withTransaction(db.pool, (tx) => recordInbound(tx, inboundText(desk.inbox.id, { from, text: 'hello' })));
  if (inbound.kind !== 'stored') throw new Error(`inbound not stored: ${inbound.kind}`);
  const { message } = await withTransaction(db.pool, (tx) =>
    createOutboundMessage(tx, { conversationId: inbound.conversationId, inboxId: desk.inbox.id, agentId: desk.agents[0]!.id, text, attachments: [], isPrivate: false }),
  );
  await producer.add('outbound-telegram', { messageId: message.id, channel: 'telegram' }, { jobId: jobIdFor('out', message.id) });
  return message.id;
}

const status = async (id: string) => (await db.pool.query<{ status: string }>(`select status from messages where id = $1`, [id])).rows[0]!.status;
const sends = (text: string, outcome: string, code: string) => metricCount(text, 'switchboard_egress_sends_total', { channel: 'telegram', outcome, code });
const runs = (text: string, outcome: string) => metricCount(text, 'switchboard_job_duration_seconds_count', { queue: 'outbound-telegram', outcome });

describe('egress metrics', () => {
  it('counts a reply sent to the platform, times the send and the job, and shows the job completed in the queue gauges', async () => {
    const before = await scrape();
    const id = await queueReply('610001', 'hello from the desk');
    await waitFor(async () => (await status(id)) === 'sent', { what: 'reply sent' });
    await waitFor(async () => runs(await scrape(), 'completed') > runs(before, 'completed'), { what: 'job recorded' });

    const after = await scrape();
    expect(sends(after, 'sent', 'ok') - sends(before, 'sent', 'ok')).toBe(1);
    const sendCount = (text: string) => metricCount(text, 'switchboard_egress_send_duration_seconds_count', { channel: 'telegram' });
    expect(sendCount(after) - sendCount(before)).toBe(1);
    expect(metricCount(after, 'switchboard_job_wait_seconds_count', { queue: 'outbound-telegram' })).toBeGreaterThanOrEqual(1);
    expect(metricCount(after, 'switchboard_queue_jobs', { queue: 'outbound-telegram', state: 'completed' })).toBeGreaterThanOrEqual(1);
    for (const queue of EGRESS_QUEUES) expect(after).toMatch(new RegExp(`^switchboard_queue_jobs\\{[^}]*queue="${queue}",state="waiting"`, 'm'));
    // the scrapes themselves are not timed; other requests are
    expect(after).not.toMatch(/^http_request_duration_seconds_count\{[^}]*route="\/metrics"/m);
  });

  it('counts a platform refusal as failed with its error code, and a 5xx as a retry that then sends', async () => {
    const before = await scrape();
    fake.failNext('sendMessage', 403, fixtureJson('telegram/outbound_error_403_bot_blocked.json'));
    const blocked = await queueReply('610002', 'are you there?');
    await waitFor(async () => (await status(blocked)) === 'failed', { what: 'reply failed' });

    fake.failNext('sendMessage', 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const flaky = await queueReply('610003', 'through a flaky gateway');
    await waitFor(async () => (await status(flaky)) === 'sent', { what: 'reply sent after a retry' });
    await waitFor(async () => runs(await scrape(), 'completed') > runs(before, 'completed'), { what: 'job recorded' });

    const after = await scrape();
    expect(sends(after, 'failed', 'recipient_blocked') - sends(before, 'failed', 'recipient_blocked')).toBe(1);
    expect(sends(after, 'retry', 'upstream_502') - sends(before, 'retry', 'upstream_502')).toBe(1);
    expect(sends(after, 'sent', 'ok') - sends(before, 'sent', 'ok')).toBe(1);
    expect(runs(after, 'failed') - runs(before, 'failed')).toBe(1);
    expect(runs(after, 'retry') - runs(before, 'retry')).toBe(1);
    expect(metricCount(after, 'switchboard_queue_jobs', { queue: 'outbound-telegram', state: 'failed' })).toBe(1);
  });
});
