import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { signVisitorToken } from '@switchboard/channels';
import type { InboundEvent } from '@switchboard/contracts';
import { createInbox, createOutboundMessage, createPool, recordInbound, withTransaction, type Inbox } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, jobIdFor } from '@switchboard/queue';
import { buildWebchatIngress } from './app.ts';
import { startHarness, type Harness } from './test-harness.ts';

let h: Harness;
let inbox: Inbox;
let guarded: Inbox;
const SITE = 'https://shop.example';

beforeAll(async () => {
  h = await startHarness();
  inbox = await h.createWebchatInbox();
  guarded = await h.createWebchatInbox({ allowedOrigins: [SITE] });
});
afterAll(async () => {
  await h.close();
});

async function startSession(inboxId = inbox.id, headers: Record<string, string> = {}) {
  const res = await h.app.inject({ method: 'POST', url: `/webchat/${inboxId}/sessions`, payload: { name: 'Ada' }, headers });
  expect(res.statusCode).toBe(201);
  return res.json() as { visitorId: string; token: string };
}

function send(token: string | undefined, body: object, inboxId = inbox.id, headers: Record<string, string> = {}) {
  return h.app.inject({
    method: 'POST',
    url: `/webchat/${inboxId}/messages`,
    payload: body,
    headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...headers },
  });
}

async function jobsOf(visitorId: string) {
  const jobs = await h.inbound.getJobs(['waiting', 'delayed', 'active', 'completed', 'failed']);
  return jobs.filter((job) => (job.data as InboundEvent).sender.externalId === visitorId);
}

describe('web-chat sessions and sends', () => {
  it('queues the normalized event of a visitor message and answers 202', async () => {
    const { visitorId, token } = await startSession();
    expect(visitorId).toMatch(/^[0-9a-f-]{36}$/);

    const res = await send(token, { clientMessageId: 'c1', text: 'Where is my order?', name: 'Ada', email: 'ada@example.com' });
    expect(res.statusCode).toBe(202);
    expect(res.json()).toEqual({ accepted: true, clientMessageId: 'c1' });

    const job = await h.inbound.getJob(jobIdFor(inbox.id, `wc-${visitorId}-c1`));
    expect(job?.data).toMatchObject({
      eventId: `wc-${visitorId}-c1`,
      inboxId: inbox.id,
      channel: 'webchat',
      type: 'message',
      externalMessageId: `${visitorId}:c1`,
      thread: { externalId: visitorId },
      sender: { externalId: visitorId, name: 'Ada', email: 'ada@example.com' },
      content: { text: 'Where is my order?', attachments: [] },
    });
  });

  it('queues one job for a send retried with the same clientMessageId', async () => {
    const { visitorId, token } = await startSession();
    expect((await send(token, { clientMessageId: 'retry-1', text: 'hello' })).statusCode).toBe(202);
    expect((await send(token, { clientMessageId: 'retry-1', text: 'hello' })).statusCode).toBe(202);
    expect(await jobsOf(visitorId)).toHaveLength(1);
  });

  it('answers 401 and queues nothing for a missing, forged or foreign token', async () => {
    const { visitorId, token } = await startSession();
    const other = await h.createWebchatInbox();
    const foreign = (await startSession(other.id)).token;
    const forged = signVisitorToken({ inboxId: inbox.id, visitorId, issuedAt: new Date() }, randomBytes(32));
    for (const bad of [undefined, 'nonsense', `${token}x`, forged, foreign]) {
      const res = await send(bad, { clientMessageId: 'x1', text: 'hi' });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ error: { code: 'invalid_token' } });
    }
    expect(await jobsOf(visitorId)).toHaveLength(0);
  });

  it('answers 403 to a site that is not among the allowed origins', async () => {
    const denied = await h.app.inject({ method: 'POST', url: `/webchat/${guarded.id}/sessions`, payload: {}, headers: { origin: 'https://evil.example' } });
    expect(denied.statusCode).toBe(403);
    expect(denied.json()).toMatchObject({ error: { code: 'origin_not_allowed' } });
    const bare = await h.app.inject({ method: 'POST', url: `/webchat/${guarded.id}/sessions`, payload: {} });
    expect(bare.statusCode).toBe(403);

    const allowed = await h.app.inject({ method: 'POST', url: `/webchat/${guarded.id}/sessions`, headers: { origin: SITE } });
    expect(allowed.statusCode).toBe(201);
    expect(allowed.headers['access-control-allow-origin']).toBe(SITE);
    const { token } = allowed.json() as { token: string };
    expect((await send(token, { clientMessageId: 'o1', text: 'hi' }, guarded.id, { origin: 'https://evil.example' })).statusCode).toBe(403);
    expect((await send(token, { clientMessageId: 'o1', text: 'hi' }, guarded.id, { origin: SITE })).statusCode).toBe(202);
  });

  it('answers a CORS preflight for an allowed origin', async () => {
    const res = await h.app.inject({
      method: 'OPTIONS',
      url: `/webchat/${guarded.id}/messages`,
      headers: { origin: SITE, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization, content-type' },
    });
    expect(res.statusCode).toBe(204);
    expect(res.headers['access-control-allow-origin']).toBe(SITE);
    expect(res.headers['access-control-allow-headers']).toContain('authorization');
  });

  it('answers 400 naming the field of an invalid body, and 413 above 64 KiB', async () => {
    const { token } = await startSession();
    const missing = await send(token, { clientMessageId: 'b1' });
    expect(missing.statusCode).toBe(400);
    expect(missing.json()).toMatchObject({ error: { code: 'validation_failed', message: expect.stringContaining('body.text') } });
    const blank = await send(token, { clientMessageId: 'b1', text: '   ' });
    expect(blank.json()).toMatchObject({ error: { message: expect.stringContaining('body.text') } });
    const badEmail = await h.app.inject({ method: 'POST', url: `/webchat/${inbox.id}/sessions`, payload: { email: 'not-an-email' } });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json()).toMatchObject({ error: { message: expect.stringContaining('body.email') } });
    const huge = await send(token, { clientMessageId: 'b2', text: 'x'.repeat(70_000) });
    expect(huge.statusCode).toBe(413);
    expect(huge.json()).toMatchObject({ error: { code: 'payload_too_large' } });
  });

  it('answers 404 for an unknown inbox and for an inbox of another channel', async () => {
    const telegram = await createInbox(h.db.pool, h.secretBox, {
      channel: 'telegram',
      name: 'bot',
      config: {},
      secrets: { botToken: '1:abc', webhookSecret: 'secret' },
      defaultQueueId: null,
    });
    for (const id of ['00000000-0000-4000-8000-000000000000', 'not-a-uuid', telegram.id]) {
      const res = await h.app.inject({ method: 'POST', url: `/webchat/${id}/sessions`, payload: {} });
      expect(res.statusCode).toBe(404);
      expect(res.json()).toMatchObject({ error: { code: 'not_found' } });
    }
  });

  it('answers 503 with Retry-After when Redis is unreachable, and the retry is accepted', async () => {
    // a short disconnectTimeout: ioredis otherwise keeps a 2 s timer for the never-opened socket
    const down = createRedis('redis://127.0.0.1:1', 'producer', { disconnectTimeout: 10 });
    const producer = createProducer(down, h.prefix, { timeoutMs: 1_000 });
    const app = await buildWebchatIngress({ pool: h.db.pool, producer, subscriber: h.subscriber, secretBox: h.secretBox, logger: silentLogger(), readiness: {} });
    try {
      const { visitorId, token } = await startSession();
      const res = await app.inject({ method: 'POST', url: `/webchat/${inbox.id}/messages`, payload: { clientMessageId: 'r1', text: 'hi' }, headers: { authorization: `Bearer ${token}` } });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ error: { code: 'unavailable' } });

      expect((await send(token, { clientMessageId: 'r1', text: 'hi' })).statusCode).toBe(202);
      expect(await jobsOf(visitorId)).toHaveLength(1);
    } finally {
      await app.close();
      await producer.close();
      down.disconnect();
    }
  });

  it('answers 503 with Retry-After when PostgreSQL is unreachable', async () => {
    const pool = createPool({ connectionString: 'postgres://postgres@127.0.0.1:1/none' });
    const app = await buildWebchatIngress({ pool, producer: h.producer, subscriber: h.subscriber, secretBox: h.secretBox, logger: silentLogger(), readiness: {} });
    try {
      const res = await app.inject({ method: 'POST', url: `/webchat/${inbox.id}/sessions`, payload: {} });
      expect(res.statusCode).toBe(503);
      expect(res.headers['retry-after']).toBe('5');
      expect(res.json()).toMatchObject({ error: { code: 'unavailable' } });
    } finally {
      await app.close();
      await pool.end();
    }
  });
});

describe('web-chat history', () => {
  const event = (visitorId: string, n: number, text: string): InboundEvent => ({
    eventId: `wc-${visitorId}-m${n}`,
    inboxId: inbox.id,
    channel: 'webchat',
    type: 'message',
    externalMessageId: `${visitorId}:m${n}`,
    thread: { externalId: visitorId },
    sender: { externalId: visitorId },
    content: { text, attachments: [] },
    sentAt: new Date().toISOString(),
    receivedAt: new Date().toISOString(),
    raw: {},
  });

  it('returns the visitor’s non-private messages after a sequence number', async () => {
    const { visitorId, token } = await startSession();
    const stranger = await startSession();
    const conversationId = await withTransaction(h.db.pool, async (tx) => {
      const first = await recordInbound(tx, event(visitorId, 1, 'hello'));
      await recordInbound(tx, event(visitorId, 2, 'anyone there?'));
      await recordInbound(tx, event(stranger.visitorId, 1, 'not yours'));
      if (first.kind !== 'stored') throw new Error('not stored');
      return first.conversationId;
    });
    await withTransaction(h.db.pool, async (tx) => {
      await createOutboundMessage(tx, { conversationId, inboxId: inbox.id, agentId: null, text: 'Hi, how can I help?', isPrivate: false });
      await tx.query(
        `insert into messages(conversation_id, inbox_id, seq, direction, is_private, text, status)
         select id, inbox_id, last_seq + 1, 'out', true, 'internal note', 'sent' from conversations where id = $1`,
        [conversationId],
      );
      await tx.query(`update conversations set last_seq = last_seq + 1 where id = $1`, [conversationId]);
    });

    const history = (query = '') =>
      h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages${query}`, headers: { authorization: `Bearer ${token}` } });
    const all = await history();
    expect(all.statusCode).toBe(200);
    const { items } = all.json() as { items: Array<Record<string, unknown>> };
    expect(items.map((m) => [m.seq, m.direction, m.text, m.status, m.clientMessageId])).toEqual([
      [1, 'in', 'hello', 'received', 'm1'],
      [2, 'in', 'anyone there?', 'received', 'm2'],
      [3, 'out', 'Hi, how can I help?', 'queued', null],
    ]);
    expect(items[0]).toEqual({ id: expect.any(String), seq: 1, direction: 'in', text: 'hello', createdAt: expect.any(String), status: 'received', clientMessageId: 'm1', attachments: [] });

    const later = await history('?after_seq=2');
    expect((later.json() as { items: unknown[] }).items).toHaveLength(1);
    expect((await history('?after_seq=-1')).statusCode).toBe(400);
    const unauthorized = await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages` });
    expect(unauthorized.statusCode).toBe(401);
  });

  it('returns no items to a visitor who has not written yet', async () => {
    const { token } = await startSession();
    const res = await h.app.inject({ method: 'GET', url: `/webchat/${inbox.id}/messages`, headers: { authorization: `Bearer ${token}` } });
    expect(res.json()).toEqual({ items: [] });
  });
});
