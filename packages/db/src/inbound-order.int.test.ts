import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import type { InboundEvent } from '@switchboard/contracts';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { recordInbound } from './inbound.ts';
import { createInbox } from './inboxes.ts';
import { withTransaction } from './pool.ts';
import { createSecretBox } from './secret-box.ts';

let db: TestDatabase;
let inboxId: string;
beforeAll(async () => {
  db = await createTestDatabase();
  inboxId = (await createInbox(db.pool, createSecretBox(randomBytes(32)), { channel: 'telegram', name: 'bot', config: {}, secrets: {}, defaultQueueId: null })).id;
});
afterAll(() => db.drop());

const event = (id: string, sentAt: string): InboundEvent => ({
  eventId: `order-${id}`, inboxId, channel: 'telegram', type: 'message', externalMessageId: `7001:${id}`,
  thread: { externalId: '7001' }, sender: { externalId: '7001' }, content: { text: id, attachments: [] },
  sentAt, receivedAt: sentAt, raw: {},
});

describe('messages processed out of order', () => {
  it('keep the conversation’s last message time at the newest platform time', async () => {
    const newer = await withTransaction(db.pool, (tx) => recordInbound(tx, event('2', '2026-11-23T10:00:05Z')));
    await withTransaction(db.pool, (tx) => recordInbound(tx, event('1', '2026-11-23T10:00:01Z')));
    if (newer.kind !== 'stored') throw new Error(newer.kind);
    const { rows } = await db.pool.query(`select last_message_at from conversations where id = $1`, [newer.conversationId]);
    expect(rows[0].last_message_at.toISOString()).toBe('2026-11-23T10:00:05.000Z');
    const messages = await db.pool.query(`select text, sent_at from messages where conversation_id = $1 order by sent_at`, [newer.conversationId]);
    expect(messages.rows.map((m) => m.text)).toEqual(['1', '2']);
  });
});
