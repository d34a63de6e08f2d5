import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { dispatchQueue, systemClock } from '@switchboard/routing';
import { ADMIN_TOKEN, receiveTelegramMessage, startTestApi, waitingJobs, type TestApi } from './testing.ts';

let api: TestApi;
let queueId: string;
let inboxId: string;
let otherQueueInboxId: string;
const ann = { id: '', token: '' };
const bob = { id: '', token: '' };
const carl = { id: '', token: '' }; // member of another queue only
let supervisorToken: string;

const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  api.call(ADMIN_TOKEN, payload ? { method, url, payload } : { method, url });

async function createAgent(name: string, role = 'agent') {
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name, role })).json();
  return { id: agent.id as string, token: token as string };
}

beforeAll(async () => {
  api = await startTestApi();
  Object.assign(ann, await createAgent('Ann'));
  Object.assign(bob, await createAgent('Bob'));
  Object.assign(carl, await createAgent('Carl'));
  supervisorToken = (await createAgent('Sue', 'supervisor')).token;
  queueId = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [ann.id, bob.id] })).json().id;
  const otherQueueId = (await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [carl.id] })).json().id;
  const botToken = '123456:AAbbCCdd_ee-ff';
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queueId, secrets: { botToken } })).json().id;
  otherQueueInboxId = (
    await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Other bot', defaultQueueId: otherQueueId, secrets: { botToken } })
  ).json().id;
});

afterAll(async () => {
  await api?.close();
});

const setStatus = (token: string, status: string) => api.call(token, { method: 'PUT', url: '/api/v1/me/status', payload: { status } });
const reply = (token: string, conversationId: string, payload: object, idempotencyKey?: string) =>
  api.call(token, {
    method: 'POST',
    url: `/api/v1/conversations/${conversationId}/messages`,
    payload,
    headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : {},
  });
const activeLoad = async (agentId: string) =>
  (await api.pool.query<{ active: number }>(`select active from agent_load where agent_id = $1 and channel = 'telegram'`, [agentId])).rows[0]!.active;

describe('an agent working a conversation', () => {
  let conversationId: string;

  it('going online asks the router to dispatch each of the agent\'s queues', async () => {
    const res = await setStatus(ann.token, 'online');
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('online');
    const jobs = await waitingJobs(api.prefix, 'routing');
    expect(jobs.map((j) => j.data)).toContainEqual({ queueId, reason: 'agent_online' });
  });

  it('sees conversations of its queues, and not those of other queues', async () => {
    conversationId = await receiveTelegramMessage(api.pool, inboxId, '1001');
    const elsewhere = await receiveTelegramMessage(api.pool, otherQueueInboxId, '2002');

    const mine = (await api.call(ann.token, { method: 'GET', url: '/api/v1/conversations' })).json();
    expect(mine.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    expect(mine.items[0]).toMatchObject({ status: 'open', routingState: 'queued', queueId, contact: { name: 'Customer 1001' } });
    expect(mine.nextCursor).toBeNull();

    expect((await api.call(carl.token, { method: 'GET', url: `/api/v1/conversations/${conversationId}` })).statusCode).toBe(404);
    expect((await api.call(carl.token, { method: 'GET', url: `/api/v1/conversations/${conversationId}/messages` })).statusCode).toBe(404);
    expect((await api.call(carl.token, { method: 'GET', url: `/api/v1/conversations/${elsewhere}` })).statusCode).toBe(200);
    const all = (await api.call(supervisorToken, { method: 'GET', url: '/api/v1/conversations' })).json();
    expect(all.items.map((c: { id: string }) => c.id).sort()).toEqual([conversationId, elsewhere].sort());
  });

  it('filters by assignee once the router assigns the conversation', async () => {
    const { assigned } = await dispatchQueue(api.pool, queueId, { clock: systemClock });
    expect(assigned).toEqual([{ conversationId, agentId: ann.id }]);
    expect(await activeLoad(ann.id)).toBe(1);

    const mine = (await api.call(ann.token, { method: 'GET', url: '/api/v1/conversations?assignee=me&status=open' })).json();
    expect(mine.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
    const unassigned = (await api.call(ann.token, { method: 'GET', url: '/api/v1/conversations?assignee=unassigned' })).json();
    expect(unassigned.items).toEqual([]);
    const byId = (await api.call(supervisorToken, { method: 'GET', url: `/api/v1/conversations?assignee=${ann.id}` })).json();
    expect(byId.items.map((c: { id: string }) => c.id)).toEqual([conversationId]);
  });

  it('replies: the message is stored queued and an outbound-telegram job is added', async () => {
    const res = await reply(ann.token, conversationId, { text: 'Hi, how can I help?' });
    expect(res.statusCode).toBe(201);
    const message = res.json();
    expect(message).toMatchObject({ conversationId, direction: 'out', authorAgentId: ann.id, isPrivate: false, text: 'Hi, how can I help?', status: 'queued', seq: 2 });
    expect(new Date(message.createdAt).toISOString()).toBe(message.createdAt);
    const jobs = await waitingJobs(api.prefix, 'outbound-telegram');
    expect(jobs.map((j) => j.data)).toContainEqual({ messageId: message.id, channel: 'telegram' });

    const listed = (await api.call(ann.token, { method: 'GET', url: `/api/v1/conversations/${conversationId}/messages` })).json();
    expect(listed.items.map((m: { seq: number; direction: string }) => [m.seq, m.direction])).toEqual([[1, 'in'], [2, 'out']]);
    const after = (await api.call(ann.token, { method: 'GET', url: `/api/v1/conversations/${conversationId}/messages?after_seq=1&limit=1` })).json();
    expect(after).toMatchObject({ items: [{ id: message.id }], nextAfterSeq: 2 });
  });

  it('replays a reply with the same Idempotency-Key: 200, same message, no second job', async () => {
    const first = await reply(ann.token, conversationId, { text: 'Once only' }, 'key-1');
    expect(first.statusCode).toBe(201);
    const again = await reply(ann.token, conversationId, { text: 'Once only' }, 'key-1');
    expect(again.statusCode).toBe(200);
    expect(again.json().id).toBe(first.json().id);
    const jobs = await waitingJobs(api.prefix, 'outbound-telegram');
    expect(jobs.filter((j) => j.data.messageId === first.json().id)).toHaveLength(1);
    const { rows } = await api.pool.query(`select count(*)::int as n from messages where conversation_id = $1 and text = 'Once only'`, [conversationId]);
    expect(rows[0].n).toBe(1);
  });

  it('stores one message when the same Idempotency-Key arrives twice at once', async () => {
    const [a, b] = await Promise.all([
      reply(ann.token, conversationId, { text: 'Concurrent' }, 'key-race'),
      reply(ann.token, conversationId, { text: 'Concurrent' }, 'key-race'),
    ]);
    expect([a.statusCode, b.statusCode].sort()).toEqual([200, 201]);
    expect(a.json().id).toBe(b.json().id);
  });

  it('refuses a reply from an agent who is not the assignee, but a supervisor may step in', async () => {
    const res = await reply(bob.token, conversationId, { text: 'Let me take this' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
    expect((await reply(supervisorToken, conversationId, { text: 'Supervisor here' })).statusCode).toBe(201);
  });

  it('validates the reply body, naming the field', async () => {
    const res = await reply(ann.token, conversationId, { text: 42 });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.text: Invalid input: expected string/);
    expect((await reply(ann.token, conversationId, { text: 'x'.repeat(4097) })).statusCode).toBe(400);
    expect((await reply(ann.token, conversationId, { text: '   ' })).json().error.message).toMatch(/^body\.text: /);
  });

  it('stores a private note without queueing it, and any agent who sees the conversation may write one', async () => {
    const res = await reply(bob.token, conversationId, { text: 'VIP customer, be nice', private: true });
    expect(res.statusCode).toBe(201);
    const note = res.json();
    expect(note).toMatchObject({ isPrivate: true, status: 'stored', authorAgentId: bob.id });
    const jobs = await waitingJobs(api.prefix, 'outbound-telegram');
    expect(jobs.some((j) => j.data.messageId === note.id)).toBe(false);
    const listed = (await api.call(ann.token, { method: 'GET', url: `/api/v1/conversations/${conversationId}/messages?limit=200` })).json();
    expect(listed.items.map((m: { id: string }) => m.id)).toContain(note.id);
  });

  it('answers 201 and keeps the message queued when enqueueing fails', async () => {
    const failing = {
      add: async () => {
        throw new Error('redis down');
      },
      close: async () => {},
    };
    const down = await startTestApi({ producer: failing });
    try {
      const queue = (await down.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/queues', payload: { name: 'Q', memberIds: [] } })).json();
      const inbox = (
        await down.call(ADMIN_TOKEN, {
          method: 'POST',
          url: '/api/v1/inboxes',
          payload: { channel: 'telegram', name: 'Bot', defaultQueueId: queue.id, secrets: { botToken: '1:a' } },
        })
      ).json();
      const id = await receiveTelegramMessage(down.pool, inbox.id, '3003');
      const res = await down.call(ADMIN_TOKEN, { method: 'POST', url: `/api/v1/conversations/${id}/messages`, payload: { text: 'still stored' } });
      expect(res.statusCode).toBe(201);
      expect(res.json().status).toBe('queued');
    } finally {
      await down.close();
    }
  });

  it('resolving frees the assignee\'s capacity and asks the router to dispatch', async () => {
    const res = await api.call(ann.token, { method: 'POST', url: `/api/v1/conversations/${conversationId}/resolve` });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ id: conversationId, status: 'resolved', routingState: 'closed', assigneeId: null });
    expect(await activeLoad(ann.id)).toBe(0);
    const jobs = await waitingJobs(api.prefix, 'routing');
    expect(jobs.map((j) => j.data)).toContainEqual({ queueId, reason: 'capacity_freed' });

    const again = await api.call(ann.token, { method: 'POST', url: `/api/v1/conversations/${conversationId}/resolve` });
    expect(again.statusCode).toBe(200);
    expect(again.json().version).toBe(res.json().version);
  });

  it('answers 409 conversation_resolved to a reply on a resolved conversation', async () => {
    const res = await reply(supervisorToken, conversationId, { text: 'Too late' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('conversation_resolved');
  });

  it('refuses to let a non-assignee agent resolve', async () => {
    const id = await receiveTelegramMessage(api.pool, inboxId, '1002');
    const res = await api.call(bob.token, { method: 'POST', url: `/api/v1/conversations/${id}/resolve` });
    expect(res.statusCode).toBe(403);
  });
});

describe('conversation pages', () => {
  it('walks every conversation exactly once with nextCursor', async () => {
    for (const chat of ['4001', '4002', '4003', '4004', '4005']) await receiveTelegramMessage(api.pool, inboxId, chat);
    const expected = (await api.call(supervisorToken, { method: 'GET', url: '/api/v1/conversations?limit=100' })).json().items.map((c: { id: string }) => c.id);
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v1/conversations?limit=2${cursor ? `&cursor=${cursor}` : ''}`;
      const page = (await api.call(supervisorToken, { method: 'GET', url })).json();
      seen.push(...page.items.map((c: { id: string }) => c.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen).toEqual(expected);
  });

  it('answers 400 for a cursor it did not issue', async () => {
    const res = await api.call(supervisorToken, { method: 'GET', url: '/api/v1/conversations?cursor=bm9wZQ' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_cursor');
  });
});
