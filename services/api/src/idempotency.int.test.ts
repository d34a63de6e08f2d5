import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { randomUUID } from 'node:crypto';
import { ADMIN_TOKEN, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
let adminToken: string;

const post = (url: string, payload: object, key?: string, token = adminToken) =>
  api.call(token, { method: 'POST', url, payload, headers: key ? { 'idempotency-key': key } : {} });
const countQueues = async (name: string) => Number((await api.pool.query(`select count(*) from queues where name = $1`, [name])).rows[0].count);

beforeAll(async () => {
  api = await startTestApi();
  adminToken = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Ada', role: 'admin' } })).json().token;
});

afterAll(async () => {
  await api?.close();
});

describe('Idempotency-Key on POSTs that create', () => {
  it('a retry with the same key gets the same status and body, and creates nothing more', async () => {
    const key = randomUUID();
    const first = await post('/api/v1/queues', { name: 'Billing' }, key);
    expect(first.statusCode).toBe(201);
    const again = await post('/api/v1/queues', { name: 'Billing' }, key);
    expect(again.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.headers['content-type']).toMatch(/^application\/json/);
    expect(await countQueues('Billing')).toBe(1);
  });

  it('the same body with keys in another order is the same request', async () => {
    const key = randomUUID();
    const first = await api.call(adminToken, { method: 'POST', url: '/api/v1/queues', payload: '{"name":"Ordered","strategy":"round_robin"}', headers: { 'idempotency-key': key, 'content-type': 'application/json' } });
    const again = await api.call(adminToken, { method: 'POST', url: '/api/v1/queues', payload: '{"strategy":"round_robin","name":"Ordered"}', headers: { 'idempotency-key': key, 'content-type': 'application/json' } });
    expect(first.statusCode).toBe(201);
    expect(again.body).toBe(first.body);
  });

  it('the same key with a different body is refused with 422 idempotency_key_reused', async () => {
    const key = randomUUID();
    expect((await post('/api/v1/queues', { name: 'Sales' }, key)).statusCode).toBe(201);
    const reused = await post('/api/v1/queues', { name: 'Sales 2' }, key);
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('idempotency_key_reused');
    expect(await countQueues('Sales 2')).toBe(0);
  });

  it('keys are per caller: another agent with the same key makes its own request', async () => {
    const key = randomUUID();
    const other = (await api.call(ADMIN_TOKEN, { method: 'POST', url: '/api/v1/agents', payload: { name: 'Otto', role: 'admin' } })).json().token;
    const a = await post('/api/v1/queues', { name: 'Shared key A' }, key);
    const b = await post('/api/v1/queues', { name: 'Shared key B' }, key, other);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.json().id).not.toBe(b.json().id);
    expect((await countQueues('Shared key A')) + (await countQueues('Shared key B'))).toBe(2);
  });

  it('two concurrent identical POSTs make one effect and both get the same answer', async () => {
    const key = randomUUID();
    const [a, b] = await Promise.all([post('/api/v1/queues', { name: 'Raced' }, key), post('/api/v1/queues', { name: 'Raced' }, key)]);
    expect([a.statusCode, b.statusCode]).toEqual([201, 201]);
    expect(a.body).toBe(b.body);
    expect(await countQueues('Raced')).toBe(1);
  });

  it('a retry of a request the handler refused replays that refusal; a schema validation failure keeps no key', async () => {
    const key = randomUUID();
    const invalid = await post('/api/v1/queues', { name: '' }, key);
    expect(invalid.statusCode).toBe(400);
    expect((await post('/api/v1/queues', { name: 'After 400' }, key)).statusCode).toBe(201);

    const dup = randomUUID();
    const url = `/api/v1/conversations/${randomUUID()}/assign`;
    const body = { agentId: randomUUID() };
    const first = await post(url, body, dup);
    const again = await post(url, body, dup);
    expect(first.statusCode).toBe(400);
    expect(again.statusCode).toBe(400);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body).toBe(first.body);
  });

  it('keeps secrets in stored answers sealed, and the answer 24 hours', async () => {
    const key = randomUUID();
    const created = await post('/api/v1/tokens', { name: 'script' }, key);
    expect(created.statusCode).toBe(201);
    const { rows } = await api.pool.query(`select body, extract(epoch from expires_at - created_at)::int as ttl from idempotency_keys where key = $1`, [key]);
    expect(rows[0].body.toString('latin1')).not.toContain(created.json().secret);
    expect(rows[0].ttl).toBe(24 * 3600);
    expect((await post('/api/v1/tokens', { name: 'script' }, key)).json().secret).toBe(created.json().secret);
    expect(Number((await api.pool.query(`select count(*) from api_tokens where name = 'script'`)).rows[0].count)).toBe(1);
  });

  it('the reply route keeps its own key handling: a retry answers 200 with the first message', async () => {
    const inboxId = (await post('/api/v1/inboxes', { channel: 'telegram', name: 'Bot', secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
    const conversationId = await receiveTelegramMessage(api.pool, inboxId, '7001');
    const key = randomUUID();
    const first = await post(`/api/v1/conversations/${conversationId}/messages`, { text: 'note', private: true }, key);
    const again = await post(`/api/v1/conversations/${conversationId}/messages`, { text: 'note', private: true }, key);
    expect([first.statusCode, again.statusCode]).toEqual([201, 200]);
    expect(again.json().id).toBe(first.json().id);
  });

  it('refuses an over-long key, naming the header', async () => {
    const res = await post('/api/v1/queues', { name: 'Long key' }, 'k'.repeat(201));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^headers\.idempotency-key/);
  });
});
