import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let ann: string;
let sue: string;
let english: string;
let russian: string;
let elsewhere: string;

interface Hit {
  conversation: { id: string; channel: string };
  matches: { messageId: string; seq: number; isPrivate: boolean; direction: string; snippet: string }[];
}

const search = async (token: string, query: string): Promise<{ items: Hit[]; nextCursor: string | null }> => {
  const res = await as(token, 'GET', `/api/v1/search?${query}`);
  expect(res.statusCode).toBe(200);
  return res.json();
};
const q = (text: string) => `q=${encodeURIComponent(text)}`;
const conversationsOf = (page: { items: Hit[] }) => page.items.map((h) => h.conversation.id);

beforeAll(async () => {
  api = await startTestApi();
  const agent = async (name: string, role = 'agent') => (await admin('POST', '/api/v1/agents', { name, role })).json();
  const a = await agent('Ann');
  ann = a.token;
  const carl = await agent('Carl');
  sue = (await agent('Sue', 'supervisor')).token;
  const support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [a.agent.id] })).json().id;
  const other = (await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [carl.agent.id] })).json().id;
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  const inbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets })).json().id;
  const otherInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other', defaultQueueId: other, secrets })).json().id;
  english = await receiveTelegramMessage(api.pool, inbox, '11', 'I want a refund for my broken kettle');
  russian = await receiveTelegramMessage(api.pool, inbox, '12', 'Где мой заказ? Хочу вернуть деньги');
  elsewhere = await receiveTelegramMessage(api.pool, otherInbox, '13', 'Refunds take too long');
  for (const n of [21, 22, 23]) await receiveTelegramMessage(api.pool, inbox, String(n), `Question about invoice number ${n}`);
});

afterAll(async () => {
  await api?.close();
});

describe('full-text search over messages', () => {
  it('finds English words in any inflection, with the matching message and a highlighted snippet', async () => {
    const page = await search(ann, q('refunds'));
    expect(conversationsOf(page)).toEqual([english]);
    const [match] = page.items[0]!.matches;
    expect(match).toMatchObject({ seq: 1, direction: 'in', isPrivate: false });
    expect(match!.snippet).toContain('**refund**');
    const { rows } = await api.pool.query(`select id from messages where conversation_id = $1 and seq = 1`, [english]);
    expect(match!.messageId).toBe(rows[0].id);
  });

  it('finds Russian words in any inflection', async () => {
    const page = await search(ann, q('заказы'));
    expect(conversationsOf(page)).toEqual([russian]);
    expect(page.items[0]!.matches[0]!.snippet).toContain('**заказ**');
    expect(conversationsOf(await search(ann, q('деньгами')))).toEqual([russian]);
  });

  it('returns only conversations the caller may see', async () => {
    expect(conversationsOf(await search(ann, q('refund')))).toEqual([english]);
    expect(conversationsOf(await search(sue, q('refund'))).sort()).toEqual([english, elsewhere].sort());
  });

  it('searches private notes for staff, marked as private, newest match first', async () => {
    const note = await as(sue, 'POST', `/api/v1/conversations/${russian}/messages`, { text: 'Possible chargeback, check the payment', private: true });
    expect(note.statusCode).toBe(201);
    const page = await search(ann, q('chargebacks'));
    expect(conversationsOf(page)).toEqual([russian]);
    expect(page.items[0]!.matches).toEqual([expect.objectContaining({ messageId: note.json().id, isPrivate: true, direction: 'out' })]);
  });

  it('understands web-search syntax: phrases and exclusions', async () => {
    expect(conversationsOf(await search(ann, q('"broken kettle"')))).toEqual([english]);
    expect(conversationsOf(await search(ann, q('"kettle broken"')))).toEqual([]);
    expect(conversationsOf(await search(ann, q('invoice -22'))).sort()).toHaveLength(2);
  });

  it('pages with the cursor without skipping or repeating a conversation', async () => {
    const first = await search(ann, `${q('invoice')}&limit=2`);
    expect(first.items).toHaveLength(2);
    expect(first.nextCursor).not.toBeNull();
    const second = await search(ann, `${q('invoice')}&limit=2&cursor=${first.nextCursor}`);
    expect(second.items).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    const all = [...conversationsOf(first), ...conversationsOf(second)];
    expect(new Set(all).size).toBe(3);
    expect(all).toEqual(conversationsOf(await search(ann, q('invoice'))));
  });

  it('treats operators and punctuation as text, never as an error', async () => {
    expect((await search(ann, q("refund' & | ! ( :* <->"))).items.map((h) => h.conversation.id)).toEqual([english]);
    expect((await search(ann, q('the'))).items).toEqual([]);
  });

  it('answers 400 for an empty query or a foreign cursor', async () => {
    const empty = await as(ann, 'GET', '/api/v1/search?q=%20');
    expect(empty.statusCode).toBe(400);
    expect(fieldOf(empty)).toBe('query.q');
    const cursor = await as(ann, 'GET', `/api/v1/search?${q('refund')}&cursor=bogus`);
    expect(cursor.statusCode).toBe(400);
    expect(fieldOf(cursor)).toBe('query.cursor');
  });
});
