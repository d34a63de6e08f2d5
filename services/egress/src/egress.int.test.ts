import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import { createTelegramSender, createWebchatSender, webchatChannelName } from '@switchboard/channels';
import { outboundQueueFor, type EnabledChannel } from '@switchboard/contracts';
import { createInboxCache, createOutboundMessage, createSecretBox, markSent, recordInbound, withTransaction } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, jobIdFor, waitForRedis, type Producer } from '@switchboard/queue';
import {
  createTestDatabase, dropQueuePrefix, fixtureJson, inboundText, seedDesk, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor,
  type Desk, type FakeTelegram, type TestDatabase,
} from '@switchboard/testkit';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalBlobStore, type BlobStore } from '@switchboard/blob';
import type { Attachment } from '@switchboard/contracts';
import { startEgress, type Egress, type EgressDeps } from './egress.ts';

const BOT_TOKEN = '123456:TEST-token_abc';
const blocked = fixtureJson('telegram/outbound_error_403_bot_blocked.json');
const rateLimitedFixture = fixtureJson('telegram/outbound_error_429_retry_after.json') as { parameters: { retry_after: number } };
// The fixture's shape is kept (ok, error_code, description, parameters.retry_after); only the
// wait is cut from 30 s to 1 s so the test does not sit out Telegram's real retry_after.
const rateLimited = { ...rateLimitedFixture, description: 'Too Many Requests: retry after 1', parameters: { ...rateLimitedFixture.parameters, retry_after: 1 } };
const badGateway = { ok: false, error_code: 502, description: 'Bad Gateway' };

const prefix = testQueuePrefix();
const box = createSecretBox(randomBytes(32));
let db: TestDatabase;
let fake: FakeTelegram;
let redis: { producer: Redis; workerA: Redis; workerB: Redis; queue: Redis; publisher: Redis; subscriber: Redis };
let producer: Producer;
let telegramQueue: Queue;
let webchatQueue: Queue;
let egress: Egress;
let second: Egress;
const pushes: { channel: string; payload: string }[] = [];
let blobDir: string;
let blobs: BlobStore;

beforeAll(async () => {
  db = await createTestDatabase();
  fake = await startFakeTelegram();
  blobDir = await mkdtemp(join(tmpdir(), 'sb-egress-blobs-'));
  blobs = createLocalBlobStore({ dir: blobDir, maxBytes: 1024 * 1024 });
  const url = testRedisUrl();
  redis = {
    producer: createRedis(url, 'producer'),
    workerA: createRedis(url, 'worker'),
    workerB: createRedis(url, 'worker'),
    queue: createRedis(url, 'worker'),
    publisher: createRedis(url, 'client'),
    subscriber: createRedis(url, 'worker'),
  };
  await Promise.all(Object.values(redis).map((r) => waitForRedis(r)));
  redis.subscriber.on('message', (channel: string, payload: string) => pushes.push({ channel, payload }));
  producer = createProducer(redis.producer, prefix);
  telegramQueue = new Queue('outbound-telegram', { connection: redis.queue, prefix });
  webchatQueue = new Queue('outbound-webchat', { connection: redis.queue, prefix });

  const deps = (connection: Redis): EgressDeps => ({
    pool: db.pool,
    connection,
    producer,
    prefix,
    logger: silentLogger(),
    inboxes: createInboxCache(db.pool, box, 1_000),
    blobs,
    senders: {
      telegram: createTelegramSender({ apiRoot: fake.apiRoot }),
      webchat: createWebchatSender({ publish: (channel, payload) => redis.publisher.publish(channel, payload) }),
    },
    concurrency: 4,
    // only the explicit sweep() calls below may re-enqueue anything
    sweepIntervalMs: 3_600_000,
    staleAfterMs: 0,
  });
  // two replicas on separate worker connections compete for the same queues
  egress = startEgress(deps(redis.workerA));
  second = startEgress(deps(redis.workerB));
  await Promise.all([...egress.workers, ...second.workers].map((w) => w.waitUntilReady()));
});

afterAll(async () => {
  await egress?.close();
  await second?.close();
  await producer?.close();
  await telegramQueue?.close();
  await webchatQueue?.close();
  await fake?.close();
  if (redis) for (const r of Object.values(redis)) r.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
  if (blobDir) await rm(blobDir, { recursive: true, force: true });
});

/** A customer writes first, as on the real path, so the conversation and contact identity exist. */
async function openConversation(desk: Desk, from: string, channel: EnabledChannel = 'telegram'): Promise<string> {
  const outcome = await withTransaction(db.pool, (tx) => recordInbound(tx, inboundText(desk.inbox.id, { from, text: 'hello', channel })));
  if (outcome.kind !== 'stored') throw new Error(`inbound message not stored: ${outcome.kind}`);
  return outcome.conversationId;
}

async function writeReply(desk: Desk, conversationId: string, text: string | null, attachments: Attachment[] = []): Promise<string> {
  const { message } = await withTransaction(db.pool, (tx) =>
    createOutboundMessage(tx, { conversationId, inboxId: desk.inbox.id, agentId: desk.agents[0]!.id, text, attachments, isPrivate: false }),
  );
  return message.id;
}

const enqueue = (messageId: string, channel: EnabledChannel = 'telegram', jobId = jobIdFor('out', messageId)) =>
  producer.add(outboundQueueFor(channel), { messageId, channel }, { jobId });

async function messageRow(id: string) {
  const { rows } = await db.pool.query(`select status, external_id, error_code, attempts from messages where id = $1`, [id]);
  return rows[0] as { status: string; external_id: string | null; error_code: string | null; attempts: number };
}

const waitForStatus = (id: string, status: string) =>
  waitFor(
    async () => {
      const row = await messageRow(id);
      return row.status === status && row;
    },
    { what: `message ${id} to be ${status}` },
  );

const sendsTo = (chat: string) => fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === chat);

/** The job once it is in `state`, read while it stays there (reading a job and its state is not atomic). */
async function jobIn(queue: Queue, jobId: string, state: string): Promise<Job> {
  const stateOf = async () => (await queue.getJobState(jobId)) === state;
  return waitFor(
    async () => {
      if (!(await stateOf())) return undefined;
      const job = await queue.getJob(jobId);
      return job && (await stateOf()) && job;
    },
    { what: `job ${jobId} to be ${state}` },
  );
}

/** A fresh inbox per test, every one sealed with the box the egress' inbox cache opens. */
const newDesk = (channel: EnabledChannel = 'telegram') =>
  seedDesk(db.pool, channel === 'telegram' ? { box, agents: 1, secrets: { botToken: BOT_TOKEN, webhookSecret: 'SecretToken' } } : { box, agents: 1, channel });

describe('egress', () => {
  it('sends a reply to the customer chat and records it as sent with the chat-qualified message id', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510001');
    const id = await writeReply(desk, conversationId, 'Hi! How can we help?');
    await enqueue(id);

    const call = await fake.waitForCall('sendMessage', (c) => String(c.params.chat_id) === '510001');
    expect(call.token).toBe(BOT_TOKEN);
    expect(call.params.text).toBe('Hi! How can we help?');
    const row = await waitForStatus(id, 'sent');
    expect(row).toMatchObject({ external_id: '510001:1000', error_code: null, attempts: 1 });
    const { rows } = await db.pool.query(`select payload from events where type = 'message.status' and conversation_id = $1`, [conversationId]);
    expect(rows.map((r) => r.payload)).toEqual([{ messageId: id, status: 'sent', externalId: '510001:1000' }]);
  });

  it('delivers replies in the order they were written although their jobs were queued in reverse, across two replicas', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510002');
    const ids: string[] = [];
    for (let i = 1; i <= 5; i++) ids.push(await writeReply(desk, conversationId, `reply ${i}`));
    for (const id of [...ids].reverse()) await enqueue(id);

    for (const id of ids) await waitForStatus(id, 'sent');
    expect(sendsTo('510002').map((c) => c.params.text)).toEqual(['reply 1', 'reply 2', 'reply 3', 'reply 4', 'reply 5']);
    const { rows } = await db.pool.query(`select external_id from messages where id = any($1) order by seq`, [ids]);
    expect(rows.map((r) => r.external_id)).toEqual(['510002:1000', '510002:1001', '510002:1002', '510002:1003', '510002:1004']);
  });

  it('waits out a 429 for its retry_after without spending an attempt, then sends', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510003');
    const id = await writeReply(desk, conversationId, 'after the rate limit');
    fake.failNext('sendMessage', 429, rateLimited);
    await enqueue(id);

    await fake.waitForCall('sendMessage', (c) => String(c.params.chat_id) === '510003');
    const limitedAt = Date.now();
    const delayed = await jobIn(telegramQueue, jobIdFor('out', id), 'delayed');
    expect(delayed.attemptsMade).toBe(0);
    expect(await messageRow(id)).toMatchObject({ status: 'queued', error_code: 'rate_limited' });

    await waitForStatus(id, 'sent');
    expect(Date.now() - limitedAt).toBeGreaterThanOrEqual(900);
    expect(sendsTo('510003')).toHaveLength(2);
    const done = await jobIn(telegramQueue, jobIdFor('out', id), 'completed');
    // BullMQ counts the successful run; the rate-limited one is not counted
    expect(done.attemptsMade).toBe(1);
  });

  it('still sends a reply rate-limited on its last attempt', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510004');
    const id = await writeReply(desk, conversationId, 'last attempt, rate limited');
    fake.failNext('sendMessage', 429, rateLimited);
    await telegramQueue.add('outbound-telegram', { messageId: id, channel: 'telegram' }, { jobId: jobIdFor('out', id), attempts: 1 });

    await waitForStatus(id, 'sent');
    expect(sendsTo('510004')).toHaveLength(2);
    expect((await jobIn(telegramQueue, jobIdFor('out', id), 'completed')).attemptsMade).toBe(1);
  });

  it('gives up on a customer who blocked the bot: failed once, contact unreachable, agents told', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510005');
    const id = await writeReply(desk, conversationId, 'are you there?');
    fake.failNext('sendMessage', 403, blocked);
    await enqueue(id);

    const job = await jobIn(telegramQueue, jobIdFor('out', id), 'failed');
    expect(job.attemptsMade).toBe(1);
    expect(job.failedReason).toMatch(/^recipient_blocked:/);
    expect(await messageRow(id)).toMatchObject({ status: 'failed', error_code: 'recipient_blocked', external_id: null });
    expect(sendsTo('510005')).toHaveLength(1);
    const identity = await db.pool.query(`select unreachable_at from contact_identities where inbox_id = $1 and external_id = '510005'`, [desk.inbox.id]);
    expect(identity.rows[0].unreachable_at).toBeInstanceOf(Date);
    const { rows } = await db.pool.query(`select payload from events where type = 'message.status' and conversation_id = $1`, [conversationId]);
    expect(rows.map((r) => r.payload)).toEqual([
      { messageId: id, status: 'failed', errorCode: 'recipient_blocked', error: 'Forbidden: bot was blocked by the user' },
    ]);
  });

  it('retries after a 5xx with backoff and sends', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510006');
    const id = await writeReply(desk, conversationId, 'through a flaky gateway');
    fake.failNext('sendMessage', 502, badGateway);
    await enqueue(id);

    const retrying = await jobIn(telegramQueue, jobIdFor('out', id), 'delayed');
    expect(retrying.attemptsMade).toBe(1);
    expect(await messageRow(id)).toMatchObject({ status: 'queued', error_code: 'upstream_502' });
    // the agent sees the outage, not just a reply stuck in queued
    const { rows: told } = await db.pool.query(`select payload from events where type = 'message.status' and payload->>'messageId' = $1 order by id`, [id]);
    expect(told.map((r) => r.payload)).toEqual([expect.objectContaining({ status: 'queued', retrying: true, errorCode: 'upstream_502' })]);

    expect(await waitForStatus(id, 'sent')).toMatchObject({ external_id: '510006:1000', error_code: null, attempts: 2 });
    expect(sendsTo('510006')).toHaveLength(2);
    expect((await jobIn(telegramQueue, jobIdFor('out', id), 'completed')).attemptsMade).toBe(2);
  });

  it('marks a reply failed when its retries run out', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510007');
    const id = await writeReply(desk, conversationId, 'never gets through');
    fake.failNext('sendMessage', 502, badGateway);
    fake.failNext('sendMessage', 502, badGateway);
    await telegramQueue.add(
      'outbound-telegram',
      { messageId: id, channel: 'telegram' },
      { jobId: jobIdFor('out', id), attempts: 2, backoff: { type: 'fixed', delay: 10 } },
    );

    await jobIn(telegramQueue, jobIdFor('out', id), 'failed');
    expect(await messageRow(id)).toMatchObject({ status: 'failed', error_code: 'retries_exhausted' });
    expect(sendsTo('510007')).toHaveLength(2);
  });

  it('sweeps up a reply whose enqueue was lost, and never sends a sent reply twice when its job is replayed', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510008');
    const id = await writeReply(desk, conversationId, 'the API crashed before enqueueing me');

    expect(await egress.sweep()).toBeGreaterThanOrEqual(1);
    await waitForStatus(id, 'sent');
    expect(sendsTo('510008')).toHaveLength(1);

    const replay = jobIdFor('out', id, 'replay');
    await enqueue(id, 'telegram', replay);
    await jobIn(telegramQueue, replay, 'completed');
    expect(sendsTo('510008')).toHaveLength(1);
    expect(await messageRow(id)).toMatchObject({ status: 'sent', external_id: '510008:1000', attempts: 1 });
  });

  it('sweeps up a reply whose job died while PostgreSQL was unavailable', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510009');
    const id = await writeReply(desk, conversationId, 'sent once the database is back');
    const jobId = jobIdFor('out', id);
    // every query on messages fails while it is renamed: the claim throws on the job's only attempt
    await db.pool.query(`alter table messages rename to messages_unavailable`);
    try {
      await telegramQueue.add('outbound-telegram', { messageId: id, channel: 'telegram' }, { jobId, attempts: 1 });
      expect((await jobIn(telegramQueue, jobId, 'failed')).failedReason).toMatch(/messages/);
    } finally {
      await db.pool.query(`alter table messages_unavailable rename to messages`);
    }
    expect(await messageRow(id)).toMatchObject({ status: 'queued' });

    expect(await egress.sweep()).toBeGreaterThanOrEqual(1);
    await waitForStatus(id, 'sent');
    expect(sendsTo('510009')).toHaveLength(1);
  });

  it('does not resend a Telegram reply whose earlier attempt was cut off mid-send: it is flagged delivery_uncertain and later replies go on', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510010');
    const cut = await writeReply(desk, conversationId, 'egress was killed while sending me');
    const next = await writeReply(desk, conversationId, 'written after it');
    // the state a SIGKILL between the claim and markSent leaves behind (tests/faults does it for real)
    await db.pool.query(`update messages set status = 'sending', attempts = 1 where id = $1`, [cut]);
    await enqueue(next);
    await enqueue(cut);

    expect(await waitForStatus(cut, 'failed')).toMatchObject({ error_code: 'delivery_uncertain', attempts: 1 });
    await waitForStatus(next, 'sent');
    expect(sendsTo('510010').map((c) => c.params.text)).toEqual(['written after it']);
    const { rows } = await db.pool.query(
      `select payload from events where type = 'message.status' and payload->>'messageId' = $1`, [cut]);
    expect(rows.map((r) => r.payload)).toEqual([expect.objectContaining({ status: 'failed', errorCode: 'delivery_uncertain' })]);

    // the cut-off send did reach Telegram and its answer is recorded late: the platform's word wins
    await markSent(db.pool, cut, '510010:999', new Date());
    expect(await messageRow(cut)).toMatchObject({ status: 'sent', error_code: null, external_id: '510010:999' });
  });

  it('resends a web-chat reply whose earlier attempt was cut off: the widget dedupes by message id', async () => {
    const desk = await newDesk('webchat');
    const visitorId = randomUUID();
    const conversationId = await openConversation(desk, visitorId, 'webchat');
    const channel = webchatChannelName(desk.inbox.id, visitorId);
    await redis.subscriber.subscribe(channel);
    const id = await writeReply(desk, conversationId, 'pushed again after a crash');
    await db.pool.query(`update messages set status = 'sending', attempts = 1 where id = $1`, [id]);
    await enqueue(id, 'webchat');

    expect(await waitForStatus(id, 'sent')).toMatchObject({ external_id: `out-${id}`, attempts: 2 });
    expect(pushes.filter((p) => p.channel === channel).map((p) => JSON.parse(p.payload).message.id)).toEqual([id]);
    await redis.subscriber.unsubscribe(channel);
  });

  it('reads a reply’s files from the blob store and sends them after the text', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510050');
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const stored = await blobs.put(pdf, { contentType: 'application/pdf', fileName: 'guide.pdf' });
    const id = await writeReply(desk, conversationId, 'See the guide', [
      { kind: 'document', externalId: `blob:${stored.key}`, mimeType: 'application/pdf', fileName: 'guide.pdf', size: pdf.length },
    ]);
    await enqueue(id);
    const call = await fake.waitForCall('sendDocument', (c) => String(c.params.chat_id) === '510050');
    expect(call.params.document).toEqual({ filename: 'guide.pdf', size: pdf.length });
    expect(await waitForStatus(id, 'sent')).toMatchObject({ external_id: '510050:1001', attempts: 1 });
  });

  it('fails a reply whose file is gone from the blob store at once, without sending its text', async () => {
    const desk = await newDesk();
    const conversationId = await openConversation(desk, '510051');
    const id = await writeReply(desk, conversationId, 'See the guide', [
      { kind: 'document', externalId: `blob:${'e'.repeat(64)}`, mimeType: 'application/pdf', fileName: 'lost.pdf', size: 10 },
    ]);
    await enqueue(id);
    expect(await waitForStatus(id, 'failed')).toMatchObject({ error_code: 'attachment_missing', attempts: 1 });
    expect(fake.calls.filter((c) => String(c.params.chat_id) === '510051')).toEqual([]);
  });

  it('publishes a web-chat reply to the visitor channel and records it as sent', async () => {
    const desk = await newDesk('webchat');
    const visitorId = randomUUID();
    const conversationId = await openConversation(desk, visitorId, 'webchat');
    const channel = webchatChannelName(desk.inbox.id, visitorId);
    await redis.subscriber.subscribe(channel);
    const id = await writeReply(desk, conversationId, 'Hello from the web desk');
    await enqueue(id, 'webchat');

    const push = await waitFor(() => pushes.find((p) => p.channel === channel), { what: 'the web-chat push' });
    expect(JSON.parse(push.payload)).toMatchObject({ type: 'message', message: { id, conversationId, text: 'Hello from the web desk' } });
    expect(await waitForStatus(id, 'sent')).toMatchObject({ external_id: `out-${id}` });
    await jobIn(webchatQueue, jobIdFor('out', id), 'completed');
    await redis.subscriber.unsubscribe(channel);
  });
});
