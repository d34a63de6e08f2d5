import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import type { ChannelId } from '@switchboard/contracts';
import { recordInbound, withTransaction } from '@switchboard/db';
import { inboundText } from '@switchboard/testkit';
import { callers, fieldOf, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let ann: string;
let sue: string;
let support: string;
let elsewhere: string;
let tgInbox: string;
let chatInbox: string;
let otherInbox: string;
const ids: Record<string, string> = {};

async function receive(inboxId: string, from: string, channel: ChannelId = 'telegram'): Promise<string> {
  const outcome = await withTransaction(api.pool, (tx) => recordInbound(tx, inboundText(inboxId, { from, text: `hello from ${from}`, channel })));
  if (outcome.kind !== 'stored') throw new Error(`not stored: ${outcome.kind}`);
  return outcome.conversationId;
}

const list = async (token: string, query: string): Promise<{ items: { id: string }[]; nextCursor: string | null }> => {
  const res = await as(token, 'GET', `/api/v1/conversations?${query}`);
  expect(res.statusCode).toBe(200);
  return res.json();
};
const idsOf = (page: { items: { id: string }[] }) => page.items.map((c) => c.id);

beforeAll(async () => {
  api = await startTestApi();
  const agent = async (name: string, role = 'agent') => (await admin('POST', '/api/v1/agents', { name, role })).json();
  const a = await agent('Ann');
  ann = a.token;
  const carl = await agent('Carl');
  sue = (await agent('Sue', 'supervisor')).token;
  support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [a.agent.id] })).json().id;
  elsewhere = (await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [carl.agent.id] })).json().id;
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  tgInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets })).json().id;
  chatInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'webchat', name: 'Site', defaultQueueId: support, config: { allowedOrigins: ['https://shop.example'] } })).json().id;
  otherInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other', defaultQueueId: elsewhere, secrets })).json().id;
  for (const n of [1, 2, 3, 4, 5, 6, 7]) ids[`tg${n}`] = await receive(tgInbox, `tg-${n}`);
  ids.chat = await receive(chatInbox, 'visitor-1', 'webchat');
  ids.other = await receive(otherInbox, 'other-1');
});

afterAll(async () => {
  await api?.close();
});

describe('listing conversations with filters', () => {
  it('filters by channel and by inbox', async () => {
    expect(idsOf(await list(sue, 'channel=webchat'))).toEqual([ids.chat]);
    expect(idsOf(await list(sue, `inbox=${otherInbox}`))).toEqual([ids.other]);
    expect(idsOf(await list(sue, `inbox=${tgInbox}&channel=webchat`))).toEqual([]);
  });

  it('filters by queue without widening what an agent may see', async () => {
    expect(idsOf(await list(sue, `queue=${elsewhere}`))).toEqual([ids.other]);
    expect(idsOf(await list(ann, `queue=${elsewhere}`))).toEqual([]);
    expect((await list(ann, `queue=${support}`)).items).toHaveLength(8);
  });

  it('filters by contact and by status', async () => {
    const contactId = (await as(sue, 'GET', `/api/v1/conversations/${ids.tg3}`)).json().contactId;
    expect(idsOf(await list(ann, `contact=${contactId}`))).toEqual([ids.tg3]);
    expect((await as(sue, 'POST', `/api/v1/conversations/${ids.tg2}/resolve`)).statusCode).toBe(200);
    expect(idsOf(await list(ann, 'status=resolved'))).toEqual([ids.tg2]);
    expect(idsOf(await list(ann, `status=open&inbox=${tgInbox}`))).not.toContain(ids.tg2);
  });

  it('filters by label and by updated_since', async () => {
    const { rows } = await api.pool.query<{ at: string }>(`select to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at`);
    const since = rows[0]!.at;
    expect((await as(ann, 'POST', `/api/v1/conversations/${ids.tg5}/labels`, { labels: ['Refund'] })).statusCode).toBe(200);
    expect(idsOf(await list(ann, 'label=refund'))).toEqual([ids.tg5]);
    expect(idsOf(await list(ann, 'label=REFUND'))).toEqual([ids.tg5]);
    expect(idsOf(await list(ann, `updated_since=${encodeURIComponent(since)}`))).toEqual([ids.tg5]);
    expect((await list(ann, 'updated_since=2000-01-01T00:00:00Z')).items.length).toBeGreaterThan(1);
  });

  it('pages a filtered list with the cursor: every row once, in the same order as one page', async () => {
    const filter = `channel=telegram&inbox=${tgInbox}`;
    const whole = idsOf(await list(sue, `${filter}&limit=100`));
    expect(whole).toHaveLength(7);
    const walked: string[] = [];
    let cursor: string | null = null;
    do {
      const page = await list(sue, `${filter}&limit=2${cursor ? `&cursor=${cursor}` : ''}`);
      expect(page.items.length).toBeLessThanOrEqual(2);
      walked.push(...idsOf(page));
      cursor = page.nextCursor;
    } while (cursor);
    expect(walked).toEqual(whole);
  });

  it('answers 400 naming the filter that is malformed', async () => {
    for (const [query, field] of [
      ['updated_since=yesterday', 'query.updated_since'],
      ['channel=fax', 'query.channel'],
      ['label=no%20spaces', 'query.label'],
      ['queue=nope', 'query.queue'],
      ['contact=42', 'query.contact'],
    ]) {
      const res = await as(ann, 'GET', `/api/v1/conversations?${query}`);
      expect(res.statusCode).toBe(400);
      expect(fieldOf(res)).toBe(field);
    }
  });
});
