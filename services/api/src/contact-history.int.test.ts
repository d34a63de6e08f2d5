import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { recordInbound, withTransaction } from '@switchboard/db';
import { inboundText } from '@switchboard/testkit';
import { callers, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let ann: string; // Support
let carl: string; // Web only
let dan: string; // no queue
let sue: string;
let contactId: string;
const history: { id: string; channel: string }[] = []; // oldest first

interface Page {
  items: { id: string; channel: string; inboxId: string; contactId: string }[];
  nextCursor: string | null;
}
const historyOf = async (token: string, query = ''): Promise<Page> => {
  const res = await as(token, 'GET', `/api/v1/contacts/${contactId}/conversations${query}`);
  expect(res.statusCode).toBe(200);
  return res.json();
};

beforeAll(async () => {
  api = await startTestApi();
  const agent = async (name: string, role = 'agent') => (await admin('POST', '/api/v1/agents', { name, role })).json();
  const a = await agent('Ann');
  ann = a.token;
  const c = await agent('Carl');
  carl = c.token;
  dan = (await agent('Dan')).token;
  sue = (await agent('Sue', 'supervisor')).token;
  const support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [a.agent.id] })).json().id;
  const web = (await admin('POST', '/api/v1/queues', { name: 'Web', memberIds: [c.agent.id] })).json().id;
  await admin('POST', '/api/v1/queues', { name: 'Empty', memberIds: [] });
  const tgInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets: { botToken: '1:a' } })).json().id;
  const chatInbox = (
    await admin('POST', '/api/v1/inboxes', { channel: 'webchat', name: 'Site', defaultQueueId: web, config: { allowedOrigins: ['https://shop.example'] } })
  ).json().id;

  // one customer on two channels: the same contact holds a Telegram identity and a web-chat one
  const first = await receiveTelegramMessage(api.pool, tgInbox, '777', 'first question');
  history.push({ id: first, channel: 'telegram' });
  contactId = (await api.pool.query<{ contactId: string }>(`select contact_id as "contactId" from conversations where id = $1`, [first])).rows[0]!.contactId;
  expect((await admin('POST', `/api/v1/conversations/${first}/resolve`)).statusCode).toBe(200);
  await api.pool.query(`insert into contact_identities(contact_id, inbox_id, channel, external_id) values ($1, $2, 'webchat', 'visitor-777')`, [contactId, chatInbox]);
  const chat = await withTransaction(api.pool, (tx) => recordInbound(tx, inboundText(chatInbox, { from: 'visitor-777', text: 'from the website', channel: 'webchat' })));
  if (chat.kind !== 'stored') throw new Error(chat.kind);
  history.push({ id: chat.conversationId, channel: 'webchat' });
  const secondBot = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot 2', defaultQueueId: support, secrets: { botToken: '2:b' } })).json().id;
  await api.pool.query(`insert into contact_identities(contact_id, inbox_id, channel, external_id) values ($1, $2, 'telegram', '7770')`, [contactId, secondBot]);
  history.push({ id: await receiveTelegramMessage(api.pool, secondBot, '7770', 'back again'), channel: 'telegram' });
  await receiveTelegramMessage(api.pool, tgInbox, '888', 'someone else');
});

afterAll(async () => {
  await api?.close();
});

describe("a contact's conversation history", () => {
  it('lists every conversation of the contact across channels, newest first, with its channel', async () => {
    const page = await historyOf(sue);
    expect(page.items.map((c) => ({ id: c.id, channel: c.channel }))).toEqual([...history].reverse());
    expect(new Set(page.items.map((c) => c.contactId))).toEqual(new Set([contactId]));
    expect(new Set(page.items.map((c) => c.inboxId)).size).toBe(3);
    expect(page.nextCursor).toBeNull();
  });

  it('shows an agent only the conversations they may see', async () => {
    expect((await historyOf(ann)).items.map((c) => c.id)).toEqual([history[2]!.id, history[0]!.id]);
    expect((await historyOf(carl)).items.map((c) => c.id)).toEqual([history[1]!.id]);
  });

  it('answers 404 to an agent who may see none of them, and for a contact that does not exist', async () => {
    expect((await as(dan, 'GET', `/api/v1/contacts/${contactId}/conversations`)).statusCode).toBe(404);
    const unknown = await as(sue, 'GET', '/api/v1/contacts/00000000-0000-4000-8000-000000000000/conversations');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('not_found');
  });

  it('pages with the cursor, each conversation once', async () => {
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await historyOf(sue, `?limit=1${cursor ? `&cursor=${cursor}` : ''}`);
      walked.push(...page.items.map((c) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(history.map((c) => c.id).reverse());
  });
});
