import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { dispatchQueue, systemClock } from '@switchboard/routing';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, waitingJobs, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
const ann = { id: '', token: '' };
const bob = { id: '', token: '' };
let carl: string; // another queue only
let sue: string;
let support: string;
let inboxId: string;
let otherInbox: string;

const eventsOf = async (conversationId: string, type: string) =>
  (await api.pool.query<{ payload: Record<string, unknown>; agentId: string | null }>(
    `select payload, agent_id as "agentId" from events where conversation_id = $1 and type = $2 order by id`,
    [conversationId, type],
  )).rows;

beforeAll(async () => {
  api = await startTestApi();
  const agent = async (name: string, role = 'agent') => (await admin('POST', '/api/v1/agents', { name, role })).json();
  const a = await agent('Ann');
  Object.assign(ann, { id: a.agent.id, token: a.token });
  const b = await agent('Bob');
  Object.assign(bob, { id: b.agent.id, token: b.token });
  const c = await agent('Carl');
  carl = c.token;
  sue = (await agent('Sue', 'supervisor')).token;
  support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [ann.id, bob.id] })).json().id;
  const elsewhere = (await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [c.agent.id] })).json().id;
  const secrets = { botToken: '123456:AAbbCCdd_ee-ff' };
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets })).json().id;
  otherInbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other', defaultQueueId: elsewhere, secrets })).json().id;
});

afterAll(async () => {
  await api?.close();
});

describe('labels', () => {
  let id: string;

  it('adds labels lowercased, once each, sorted, and shows them on the conversation', async () => {
    id = await receiveTelegramMessage(api.pool, inboxId, '101');
    const res = await as(ann.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['VIP', 'billing', 'vip', ' Billing '] });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ labels: ['billing', 'vip'] });
    expect((await as(ann.token, 'GET', `/api/v1/conversations/${id}`)).json().labels).toEqual(['billing', 'vip']);
    expect((await as(bob.token, 'GET', `/api/v1/conversations/${id}/labels`)).json()).toEqual({ labels: ['billing', 'vip'] });
    expect(await eventsOf(id, 'conversation.labels_changed')).toEqual([{ payload: { labels: ['billing', 'vip'] }, agentId: ann.id }]);
  });

  it('adding labels it already has changes nothing and emits no event', async () => {
    expect((await as(ann.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['vip'] })).json()).toEqual({ labels: ['billing', 'vip'] });
    expect(await eventsOf(id, 'conversation.labels_changed')).toHaveLength(1);
  });

  it('removes a label, idempotently', async () => {
    const res = await as(bob.token, 'DELETE', `/api/v1/conversations/${id}/labels/VIP`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ labels: ['billing'] });
    expect((await as(bob.token, 'DELETE', `/api/v1/conversations/${id}/labels/vip`)).json()).toEqual({ labels: ['billing'] });
    expect(await eventsOf(id, 'conversation.labels_changed')).toHaveLength(2);
  });

  it('keeps both of two concurrent additions', async () => {
    const [x, y] = await Promise.all([
      as(ann.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['alpha'] }),
      as(bob.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['beta'] }),
    ]);
    expect([x.statusCode, y.statusCode]).toEqual([200, 200]);
    expect((await as(ann.token, 'GET', `/api/v1/conversations/${id}/labels`)).json().labels).toEqual(['alpha', 'beta', 'billing']);
  });

  it('hides the labels of a conversation the caller may not see (404)', async () => {
    expect((await as(carl, 'GET', `/api/v1/conversations/${id}/labels`)).statusCode).toBe(404);
    expect((await as(carl, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['x'] })).statusCode).toBe(404);
    expect((await as(carl, 'DELETE', `/api/v1/conversations/${id}/labels/billing`)).statusCode).toBe(404);
    expect((await as(ann.token, 'GET', `/api/v1/conversations/${id}/labels`)).json().labels).not.toContain('x');
  });

  it('lists labels in use, counted over the conversations the caller may see', async () => {
    const other = await receiveTelegramMessage(api.pool, otherInbox, '201');
    expect((await as(carl, 'POST', `/api/v1/conversations/${other}/labels`, { labels: ['billing', 'spam'] })).statusCode).toBe(200);
    expect((await as(ann.token, 'GET', '/api/v1/labels')).json().items).toEqual([
      { label: 'alpha', count: 1 },
      { label: 'beta', count: 1 },
      { label: 'billing', count: 1 },
    ]);
    expect((await as(sue, 'GET', '/api/v1/labels')).json().items).toEqual([
      { label: 'alpha', count: 1 },
      { label: 'beta', count: 1 },
      { label: 'billing', count: 2 },
      { label: 'spam', count: 1 },
    ]);
  });

  it('refuses malformed labels and more than 20 on one conversation, naming the field', async () => {
    const bad = await as(ann.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: ['ok', 'not ok'] });
    expect(bad.statusCode).toBe(400);
    expect(fieldOf(bad)).toBe('body.labels.1');
    const many = Array.from({ length: 18 }, (_, i) => `l${i}`);
    const tooMany = await as(ann.token, 'POST', `/api/v1/conversations/${id}/labels`, { labels: many });
    expect(tooMany.statusCode).toBe(400);
    expect(fieldOf(tooMany)).toBe('body.labels');
    expect((await as(ann.token, 'GET', `/api/v1/conversations/${id}/labels`)).json().labels).toEqual(['alpha', 'beta', 'billing']);
  });
});

describe('priority', () => {
  const position = async (conversationId: string) => (await as(sue, 'GET', `/api/v1/conversations/${conversationId}/position`)).json().position;
  let first: string;
  let second: string;
  let third: string;

  it('a supervisor raising the priority moves a waiting conversation to the front and asks for a dispatch', async () => {
    first = await receiveTelegramMessage(api.pool, inboxId, '301');
    second = await receiveTelegramMessage(api.pool, inboxId, '302');
    third = await receiveTelegramMessage(api.pool, inboxId, '303');
    expect(await position(third)).toBeGreaterThan(await position(first));
    const before = (await as(sue, 'GET', `/api/v1/conversations/${third}`)).json();

    const res = await as(sue, 'PUT', `/api/v1/conversations/${third}/priority`, { priority: 5 });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: third, priority: 5, version: before.version + 1 });
    expect(await position(third)).toBe(1);
    expect(await position(first)).toBeGreaterThan(1);
    const jobs = await waitingJobs(api.prefix, 'routing');
    expect(jobs.map((j) => j.data)).toContainEqual({ queueId: support, reason: 'priority_changed' });
    expect((await eventsOf(third, 'conversation.priority_changed')).map((e) => e.payload)).toEqual([{ priority: 5, previous: 0 }]);
  });

  it('the dispatcher serves the raised conversation first', async () => {
    expect((await as(ann.token, 'PUT', '/api/v1/me/status', { status: 'online' })).statusCode).toBe(200);
    expect((await admin('PUT', `/api/v1/agents/${ann.id}/capacity`, { telegram: 1 })).statusCode).toBe(200);
    const { assigned } = await dispatchQueue(api.pool, support, { clock: systemClock });
    expect(assigned).toEqual([{ conversationId: third, agentId: ann.id }]);
  });

  it('lets the assignee set 0..10 on their own conversation, and no other agent', async () => {
    expect((await as(ann.token, 'PUT', `/api/v1/conversations/${third}/priority`, { priority: 8 })).json().priority).toBe(8);
    const tooHigh = await as(ann.token, 'PUT', `/api/v1/conversations/${third}/priority`, { priority: 11 });
    expect(tooHigh.statusCode).toBe(403);
    expect((await as(bob.token, 'PUT', `/api/v1/conversations/${third}/priority`, { priority: 1 })).statusCode).toBe(403);
    expect((await as(ann.token, 'PUT', `/api/v1/conversations/${second}/priority`, { priority: 1 })).statusCode).toBe(403);
    expect((await as(carl, 'PUT', `/api/v1/conversations/${second}/priority`, { priority: 1 })).statusCode).toBe(404);
    expect((await as(sue, 'GET', `/api/v1/conversations/${third}`)).json().priority).toBe(8);
  });

  it('setting the same priority again changes nothing', async () => {
    const version = (await as(sue, 'GET', `/api/v1/conversations/${third}`)).json().version;
    expect((await as(sue, 'PUT', `/api/v1/conversations/${third}/priority`, { priority: 8 })).json().version).toBe(version);
  });

  it('refuses a priority outside the routing range, naming the field', async () => {
    const res = await admin('PUT', `/api/v1/conversations/${first}/priority`, { priority: 5000 });
    expect(res.statusCode).toBe(400);
    expect(fieldOf(res)).toBe('body.priority');
  });
});
