import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { InboundEvent } from '@switchboard/contracts';
import { recordInbound, withTransaction } from '@switchboard/db';
import { seedDesk } from '@switchboard/testkit';
import { callers, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
let chatId: string;
let callbackId: string;
const { admin } = callers(() => api);

beforeAll(async () => {
  api = await startTestApi();
  const desk = await seedDesk(api.pool, { channel: 'webchat', agents: 0, box: api.secretBox });
  const at = new Date().toISOString();
  const request: InboundEvent = {
    eventId: 'wc-cb-v1-r1', inboxId: desk.inbox.id, channel: 'webchat', type: 'callback_request', externalMessageId: 'v1:cb-r1',
    thread: { externalId: 'cb-v1-r1' }, sender: { externalId: 'v1', name: 'Ada', phone: '+1 555 0100' },
    content: { text: 'Please call me back', attachments: [] }, callback: { phone: '+1 555 0100', note: 'about the invoice' },
    sentAt: at, receivedAt: at, raw: {},
  };
  const stored = await withTransaction(api.pool, (tx) => recordInbound(tx, request));
  if (stored.kind !== 'stored') throw new Error(stored.kind);
  callbackId = stored.conversationId;
  const telegram = await seedDesk(api.pool, { agents: 0, box: api.secretBox });
  chatId = await receiveTelegramMessage(api.pool, telegram.inbox.id, '7001');
});
afterAll(async () => {
  await api?.close();
});

describe('callback outcomes', () => {
  it('records a failed call with its note, resolves the conversation and emits an event', async () => {
    const res = await admin('POST', `/api/v1/conversations/${callbackId}/callback`, { outcome: 'failed', note: 'no answer twice' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      kind: 'callback', status: 'resolved',
      callback: { phone: '+1 555 0100', note: 'about the invoice', outcome: 'failed', outcomeNote: 'no answer twice', completedBy: null },
    });
    const { rows } = await api.pool.query(`select payload from events where type = 'conversation.callback_completed' and conversation_id = $1`, [callbackId]);
    expect(rows.map((r) => r.payload)).toEqual([{ outcome: 'failed' }]);
  });

  it('refuses an outcome for a chat (409 not_a_callback) and a bad outcome (400 naming the field)', async () => {
    const chat = await admin('POST', `/api/v1/conversations/${chatId}/callback`, { outcome: 'done' });
    expect(chat.statusCode).toBe(409);
    expect(chat.json().error.code).toBe('not_a_callback');
    const bad = await admin('POST', `/api/v1/conversations/${callbackId}/callback`, { outcome: 'maybe' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.message).toMatch(/^body\.outcome/);
  });
});

describe('agent typing', () => {
  it('is not shown on a channel without typing indicators', async () => {
    const res = await admin('POST', `/api/v1/conversations/${chatId}/typing`, { typing: true });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ shown: false });
  });
});
