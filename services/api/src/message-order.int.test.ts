import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { normalizeTelegramUpdate } from '@switchboard/channels';
import { recordInbound, withTransaction } from '@switchboard/db';
import { fixtureJson } from '@switchboard/testkit';
import { ADMIN_TOKEN, startTestApi, type TestApi } from './testing.ts';

/**
 * Inbound messages processed out of the platform's order (a webhook retried after later ones, two
 * router workers racing) are still shown in the platform's order; arrival order stays available
 * for catching up.
 */
let api: TestApi;
let inboxId: string;
let conversationId: string;

const base = fixtureJson('telegram/text_private.json') as { update_id: number; message: { message_id: number; date: number; text: string } };
/** The fixture update as Telegram would send the n-th next message of the same chat. */
const update = (n: number, text: string, secondsEarlier = 0) => ({
  ...base,
  update_id: base.update_id + n,
  message: { ...base.message, message_id: base.message.message_id + n, date: base.message.date - secondsEarlier, text },
});

async function store(raw: object): Promise<string> {
  const inbox = { id: inboxId, channel: 'telegram' as const, config: {}, secrets: {} };
  const [event] = normalizeTelegramUpdate(raw, inbox, new Date());
  const outcome = await withTransaction(api.pool, (tx) => recordInbound(tx, event!));
  if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.kind}`);
  return outcome.conversationId;
}

const list = async (query = '') => {
  const res = await api.call(ADMIN_TOKEN, { method: 'GET', url: `/api/v1/conversations/${conversationId}/messages${query}` });
  return { status: res.statusCode, body: res.json() };
};
const texts = (items: { text: string }[]) => items.map((m) => m.text);

beforeAll(async () => {
  api = await startTestApi();
  inboxId = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/inboxes', payload: { channel: 'telegram', name: 'Bot', secrets: { botToken: '123456:AAbbCCdd_ee-ff' } } })).json().id;
  // one second holds the last three (Telegram dates are whole seconds); the first was sent a
  // minute earlier but its webhook is processed last
  conversationId = await store(update(3, 'third'));
  await store(update(1, 'first'));
  await store(update(2, 'second'));
  await store(update(0, 'zero, retried by the platform', 60));
});
afterAll(() => api?.close());

describe('message order', () => {
  it('lists messages in the platform’s order by default, though they were stored in another', async () => {
    const { status, body } = await list();
    expect(status).toBe(200);
    expect(texts(body.items)).toEqual(['zero, retried by the platform', 'first', 'second', 'third']);
    expect(body.items.map((m: { seq: number }) => m.seq)).toEqual([4, 2, 3, 1]);
    expect(body.nextCursor).toBeNull();
  });

  it('pages the display order by cursor', async () => {
    const first = await list('?limit=3');
    expect(texts(first.body.items)).toEqual(['zero, retried by the platform', 'first', 'second']);
    expect(first.body.nextCursor).toBe('3');
    const next = await list(`?limit=3&cursor=${first.body.nextCursor}`);
    expect(texts(next.body.items)).toEqual(['third']);
    expect(next.body.nextCursor).toBeNull();
  });

  it('lists by arrival with after_seq, so a client catching up also gets the late older message', async () => {
    const { body } = await list('?after_seq=2');
    expect(texts(body.items)).toEqual(['second', 'zero, retried by the platform']);
    expect(body.nextCursor).toBeNull();
  });

  it('places a reply by when it was written, after every message the customer sent before it', async () => {
    const reply = await api.call(ADMIN_TOKEN, { method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, payload: { text: 'We are on it' } });
    expect(reply.statusCode).toBe(201);
    expect(texts((await list()).body.items).at(-1)).toBe('We are on it');
  });

  it('refuses a cursor that names no message, and a cursor together with after_seq, naming the field', async () => {
    const unknown = await list('?cursor=999');
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.message).toMatch(/^cursor:/);
    const both = await list('?cursor=1&after_seq=0');
    expect(both.status).toBe(400);
    expect(both.body.error.message).toMatch(/^after_seq:/);
    expect((await list('?cursor=abc')).status).toBe(400);
  });
});
