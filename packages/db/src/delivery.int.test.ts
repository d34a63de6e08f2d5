import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { createTestDatabase, inboundText, seedDesk, waitFor, type TestDatabase } from '@switchboard/testkit';
import { EVENTS_CHANNEL } from './events.ts';
import { recordInbound } from './inbound.ts';
import { createOutboundMessage } from './messages.ts';
import { markBounced, markFailed, markSent } from './delivery.ts';
import { withTransaction } from './pool.ts';
import { createSecretBox } from './secret-box.ts';

// Each status change and its `message.status` outbox event are one statement: never one
// without the other, and a change that does not apply writes no event.

let db: TestDatabase;
let listener: pg.Client;
const heard: string[] = [];
let conversationId: string;
let inboxId: string;
let agentId: string;

beforeAll(async () => {
  db = await createTestDatabase();
  const desk = await seedDesk(db.pool, { box: createSecretBox(randomBytes(32)), agents: 1 });
  inboxId = desk.inbox.id;
  agentId = desk.agents[0]!.id;
  const stored = await withTransaction(db.pool, (tx) => recordInbound(tx, inboundText(inboxId, { from: '42', text: 'hello' })));
  if (stored.kind !== 'stored') throw new Error(stored.kind);
  conversationId = stored.conversationId;
  listener = new pg.Client({ connectionString: db.url });
  await listener.connect();
  listener.on('notification', (n) => heard.push(n.payload ?? ''));
  await listener.query(`listen ${EVENTS_CHANNEL}`);
});
afterAll(async () => {
  await listener?.end();
  await db?.drop();
});

async function reply(text: string): Promise<string> {
  const { message } = await withTransaction(db.pool, (tx) => createOutboundMessage(tx, { conversationId, inboxId, agentId, text, isPrivate: false }));
  return message.id;
}
const statusEvents = async (messageId: string) =>
  (await db.pool.query<{ id: string; payload: Record<string, unknown> }>(
    `select id::text, payload from events where type = 'message.status' and payload->>'messageId' = $1 order by id`, [messageId])).rows;

describe('reply status changes', () => {
  it('markSent writes the status and its event together, and the event is announced on commit', async () => {
    const id = await reply('on its way');
    await db.pool.query(`update messages set status = 'sending' where id = $1`, [id]);
    await markSent(db.pool, id, '42:7', new Date('2026-11-23T10:00:00Z'));
    const [row] = (await db.pool.query(`select status, external_id from messages where id = $1`, [id])).rows;
    expect(row).toEqual({ status: 'sent', external_id: '42:7' });
    const events = await statusEvents(id);
    expect(events.map((e) => e.payload)).toEqual([{ messageId: id, status: 'sent', externalId: '42:7' }]);
    await waitFor(() => heard.includes(events[0]!.id), { what: 'the NOTIFY of the status event' });

    // already sent: nothing changes, so no second event
    await markSent(db.pool, id, '42:8', new Date());
    await markFailed(db.pool, id, 'rejected', 'too late');
    expect(await statusEvents(id)).toHaveLength(1);
  });

  it('markBounced fails even a sent reply, once, and says whether it did', async () => {
    const id = await reply('bounces later');
    await markSent(db.pool, id, '<m@example.com>', new Date());
    expect(await markBounced(db.pool, id, '550 mailbox unavailable')).toBe(true);
    expect(await markBounced(db.pool, id, '550 again')).toBe(false);
    expect((await statusEvents(id)).map((e) => e.payload.status)).toEqual(['sent', 'failed']);
  });
});
