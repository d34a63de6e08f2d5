import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import type { InboundEvent } from '@switchboard/contracts';
import { createTestDatabase, waitFor, type TestDatabase } from '@switchboard/testkit';
import { EVENTS_CHANNEL } from './events.ts';
import { recordInbound } from './inbound.ts';
import { createInbox } from './inboxes.ts';
import { withTransaction } from './pool.ts';
import { createSecretBox } from './secret-box.ts';

// storeMessage writes the sequence number, the message and its outbox events in one statement:
// what each consumer of the outbox relies on is checked here (order, payloads, one NOTIFY each).

let db: TestDatabase;
let listener: pg.Client;
const heard: string[] = [];
let inboxId: string;
let queueId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  queueId = (await db.pool.query<{ id: string }>(`insert into queues(name) values ('Support') returning id`)).rows[0]!.id;
  inboxId = (await createInbox(db.pool, createSecretBox(randomBytes(32)), { channel: 'telegram', name: 'bot', config: {}, secrets: {}, defaultQueueId: queueId })).id;
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (n) => heard.push(n.payload ?? ''));
  await listener.query(`listen ${EVENTS_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await db.drop();
});

const event = (id: string, chat: string, sentAt: string): InboundEvent => ({
  eventId: `ev-${id}`, inboxId, channel: 'telegram', type: 'message', externalMessageId: `${chat}:${id}`,
  thread: { externalId: chat }, sender: { externalId: chat, name: 'Ann' }, content: { text: `text ${id}`, attachments: [] },
  sentAt, receivedAt: sentAt, raw: { update_id: Number(id) },
});

const store = async (e: InboundEvent) => {
  const outcome = await withTransaction(db.pool, (tx) => recordInbound(tx, e));
  if (outcome.kind !== 'stored') throw new Error(`expected stored, got ${outcome.kind}`);
  return outcome;
};

const eventsOf = async (conversationId: string) =>
  (await db.pool.query<{ id: string; type: string; payload: Record<string, unknown> }>(`select id::text, type, payload from events where conversation_id = $1 order by id`, [conversationId])).rows;

describe('storing an inbound message', () => {
  it('numbers messages in their conversation and writes conversation.created before message.created, each heard once', async () => {
    const first = await store(event('1', '9001', '2026-11-23T10:00:00Z'));
    const second = await store(event('2', '9001', '2026-11-23T10:00:02Z'));
    expect(first).toMatchObject({ conversation: 'created', seq: 1, queueId, needsRouting: true });
    expect(second).toMatchObject({ conversation: 'existing', seq: 2, conversationId: first.conversationId });

    const events = await eventsOf(first.conversationId);
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['conversation.created', { queueId }],
      ['message.created', { messageId: first.messageId, direction: 'in' }],
      ['message.created', { messageId: second.messageId, direction: 'in' }],
    ]);
    await waitFor(async () => events.every((e) => heard.includes(e.id)), { what: 'a NOTIFY per event' });
    expect(events.map((e) => heard.filter((h) => h === e.id).length)).toEqual([1, 1, 1]);

    const { rows } = await db.pool.query(`select last_seq, last_message_at from conversations where id = $1`, [first.conversationId]);
    expect(rows[0]).toMatchObject({ last_seq: '2' });
    expect(rows[0].last_message_at.toISOString()).toBe('2026-11-23T10:00:02.000Z');
    const message = await db.pool.query(`select seq, text, sent_at, raw, status, direction from messages where id = $1`, [second.messageId]);
    expect(message.rows[0]).toMatchObject({ seq: '2', text: 'text 2', raw: { update_id: 2 }, status: 'received', direction: 'in' });
  });

  it('reopens a resolved conversation with conversation.reopened, and a known sender keeps one contact', async () => {
    const first = await store(event('10', '9002', '2026-11-23T11:00:00Z'));
    await db.pool.query(`update conversations set status = 'resolved', resolved_at = now() where id = $1`, [first.conversationId]);
    const again = await store(event('11', '9002', '2026-11-23T12:00:00Z'));
    expect(again).toMatchObject({ conversation: 'reopened', conversationId: first.conversationId, seq: 2 });
    expect((await eventsOf(first.conversationId)).map((e) => e.type)).toEqual(['conversation.created', 'message.created', 'conversation.reopened', 'message.created']);
    const contacts = await db.pool.query(`select count(distinct contact_id)::int as n from contact_identities where inbox_id = $1 and external_id = '9002'`, [inboxId]);
    expect(contacts.rows[0].n).toBe(1);
  });

  it('fills a known contact’s missing details from a later message without overwriting what it has', async () => {
    const first = await store({ ...event('20', '9003', '2026-11-23T13:00:00Z'), sender: { externalId: '9003' } });
    await store({ ...event('21', '9003', '2026-11-23T13:00:01Z'), sender: { externalId: '9003', name: 'Boris', username: 'boris', phone: '+79161234567' } });
    await store({ ...event('22', '9003', '2026-11-23T13:00:02Z'), sender: { externalId: '9003', name: 'Someone else' } });
    const { rows } = await db.pool.query(
      `select k.name, k.phone, k.country, k.country_source, i.username from conversations c join contacts k on k.id = c.contact_id
         join contact_identities i on i.contact_id = k.id where c.id = $1`,
      [first.conversationId],
    );
    expect(rows[0]).toEqual({ name: 'Boris', phone: '+79161234567', country: 'RU', country_source: 'phone', username: 'boris' });
  });
});
