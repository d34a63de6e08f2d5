import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { callers, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';
import { auditedAction } from './routes/audit.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
const ada = { id: '', token: '' };

beforeAll(async () => {
  api = await startTestApi();
  const { agent, token } = (await admin('POST', '/api/v1/agents', { name: 'Ada', role: 'admin' })).json();
  Object.assign(ada, { id: agent.id, token });
});

afterAll(async () => {
  await api?.close();
});

const audit = async (query = '') => (await as(ada.token, 'GET', `/api/v1/audit${query}`)).json();

describe('audit log', () => {
  it('names actions from the route', () => {
    expect(auditedAction('POST', '/api/v1/inboxes')).toEqual({ action: 'inbox.create', targetType: 'inbox' });
    expect(auditedAction('PUT', '/api/v1/agents/:id/skills')).toEqual({ action: 'agent.skills.update', targetType: 'agent' });
    expect(auditedAction('DELETE', '/api/v1/tokens/:id')).toEqual({ action: 'token.delete', targetType: 'token' });
    expect(auditedAction('POST', '/api/v1/conversations/:id/transfer')).toEqual({ action: 'conversation.transfer', targetType: 'conversation' });
    expect(auditedAction('POST', '/api/v1/conversations/:id/messages')).toBeUndefined();
    expect(auditedAction('GET', '/api/v1/inboxes')).toBeUndefined();
  });

  it('records who created what, when, without request bodies', async () => {
    const before = new Date(Date.now() - 1000).toISOString();
    const queue = (await as(ada.token, 'POST', '/api/v1/queues', { name: 'Audited' })).json();
    const inbox = (await as(ada.token, 'POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queue.id, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json();
    const { items } = await audit(`?target_id=${inbox.id}`);
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ actorAgentId: ada.id, actorRole: 'admin', action: 'inbox.create', targetType: 'inbox', targetId: inbox.id });
    expect(items[0].summary).toBe(`admin ${ada.id}: inbox ${inbox.id} created`);
    expect(new Date(items[0].at).getTime()).toBeGreaterThanOrEqual(new Date(before).getTime());
    expect(JSON.stringify(items)).not.toContain('AAbbCCdd');
    expect((await audit(`?action=queue.create`)).items.map((e: { targetId: string }) => e.targetId)).toEqual([queue.id]);
  });

  it('records token changes, password changes and assignments, and not reads or failures', async () => {
    const agent = (await admin('POST', '/api/v1/agents', { name: 'Ann' })).json().agent;
    const { token } = (await as(ada.token, 'POST', '/api/v1/tokens', { name: 'for Ann', agentId: agent.id })).json();
    await as(ada.token, 'DELETE', `/api/v1/tokens/${token.id}`);
    await as(ada.token, 'PUT', `/api/v1/agents/${agent.id}/password`, { password: 'long enough password' });
    await as(ada.token, 'DELETE', `/api/v1/tokens/${randomUUID()}`); // 404: not recorded
    await as(ada.token, 'GET', '/api/v1/queues');

    const queueId = (await as(ada.token, 'POST', '/api/v1/queues', { name: 'Work', memberIds: [agent.id] })).json().id;
    const inboxId = (await as(ada.token, 'POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Work bot', defaultQueueId: queueId, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
    const conversationId = await receiveTelegramMessage(api.pool, inboxId, '4242');
    const assigned = await as(ada.token, 'POST', `/api/v1/conversations/${conversationId}/assign`, { agentId: agent.id, force: true });
    expect(assigned.statusCode).toBe(200);

    const tokenActions = (await audit(`?target_type=token`)).items.map((e: { action: string; targetId: string }) => [e.action, e.targetId]);
    expect(tokenActions).toEqual([
      ['token.delete', token.id],
      ['token.create', token.id],
    ]);
    expect((await audit(`?target_id=${agent.id}&action=agent.password.update`)).items).toHaveLength(1);
    const assignment = (await audit(`?target_id=${conversationId}`)).items;
    expect(assignment).toMatchObject([{ action: 'conversation.assign', targetType: 'conversation', actorAgentId: ada.id }]);
    expect((await audit(`?actor=${ada.id}&action=queue.list`)).items).toEqual([]);
  });

  it('pages newest first with `before`, and only admins may read it', async () => {
    const first = await audit('?limit=2');
    expect(first.items).toHaveLength(2);
    expect(Number(first.items[0].id)).toBeGreaterThan(Number(first.items[1].id));
    const second = await audit(`?limit=2&before=${first.nextBefore}`);
    expect(Number(second.items[0].id)).toBeLessThan(Number(first.items[1].id));
    const agentToken = (await admin('POST', '/api/v1/agents', { name: 'Plain' })).json().token;
    expect((await as(agentToken, 'GET', '/api/v1/audit')).statusCode).toBe(403);
    expect((await as(ada.token, 'GET', '/api/v1/audit?since=yesterday')).statusCode).toBe(400);
  });
});
