import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let ann = ''; // an agent's token
let sue = ''; // a supervisor's token
let inboxId: string;

beforeAll(async () => {
  api = await startTestApi();
  const agent = (await admin('POST', '/api/v1/agents', { name: 'Ann', role: 'agent' })).json();
  ann = agent.token;
  sue = (await admin('POST', '/api/v1/agents', { name: 'Sue', role: 'supervisor' })).json().token;
  const queue = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [agent.agent.id] })).json().id;
  inboxId = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: queue, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json().id;
});

afterAll(async () => {
  await api?.close();
});

describe("a contact's country", () => {
  it('is part of the contact, null until something names a country', async () => {
    const conversationId = await receiveTelegramMessage(api.pool, inboxId, '9001');
    const { rows } = await api.pool.query(`select contact_id from conversations where id = $1`, [conversationId]);
    const res = await as(ann, 'GET', `/api/v1/contacts/${rows[0].contact_id}`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ country: null, countrySource: null });
  });

  it('is set by a supervisor as source admin, and cleared with null', async () => {
    const created = await as(sue, 'POST', '/api/v1/contacts', { name: 'Vera', country: 'AM' });
    expect(created.statusCode).toBe(201);
    expect(created.json()).toMatchObject({ country: 'AM', countrySource: 'admin' });
    const id = created.json().id;

    const changed = await as(sue, 'PATCH', `/api/v1/contacts/${id}`, { country: 'GE' });
    expect(changed.json()).toMatchObject({ name: 'Vera', country: 'GE', countrySource: 'admin' });
    const cleared = await as(sue, 'PATCH', `/api/v1/contacts/${id}`, { country: null });
    expect(cleared.json()).toMatchObject({ country: null, countrySource: null });
    const list = await as(sue, 'GET', '/api/v1/contacts?q=Vera');
    expect(list.json().items[0]).toMatchObject({ country: null, countrySource: null });
  });

  it('refuses a code that is not a country, naming the field, and changes nothing', async () => {
    const id = (await as(sue, 'POST', '/api/v1/contacts', { name: 'Lev', country: 'KZ' })).json().id;
    for (const country of ['kz', 'KAZ', 'EU', 'ZZ', 7]) {
      const res = await as(sue, 'PATCH', `/api/v1/contacts/${id}`, { country });
      expect(res.statusCode).toBe(400);
      expect(fieldOf(res)).toBe('body.country');
    }
    expect((await as(sue, 'POST', '/api/v1/contacts', { name: 'Mia', country: 'XX' })).statusCode).toBe(400);
    expect((await as(sue, 'GET', `/api/v1/contacts/${id}`)).json()).toMatchObject({ country: 'KZ', countrySource: 'admin' });
  });

  it('is not for agents to set', async () => {
    const id = (await as(sue, 'POST', '/api/v1/contacts', { name: 'Oleg' })).json().id;
    expect((await as(ann, 'PATCH', `/api/v1/contacts/${id}`, { country: 'RU' })).statusCode).toBe(403);
  });
});
