import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { callers, fieldOf, receiveTelegramMessage, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const { as, admin } = callers(() => api);
let ann: string;
let carl: string; // another queue only
let sue: string;
let sueId: string;
let conversationId: string;
let greetId: string;

const GREETING = 'Hi {{contact.name}}, this is {{ agent.name }}. Ref {{conversation.id}}; we will write to {{contact.email}}.';

beforeAll(async () => {
  api = await startTestApi();
  const agent = async (name: string, role = 'agent') => (await admin('POST', '/api/v1/agents', { name, role })).json();
  const a = await agent('Ann');
  ann = a.token;
  const c = await agent('Carl');
  carl = c.token;
  const s = await agent('Sue', 'supervisor');
  sue = s.token;
  sueId = s.agent.id;
  const support = (await admin('POST', '/api/v1/queues', { name: 'Support', memberIds: [a.agent.id] })).json().id;
  await admin('POST', '/api/v1/queues', { name: 'Elsewhere', memberIds: [c.agent.id] });
  const inbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bot', defaultQueueId: support, secrets: { botToken: '1:a' } })).json().id;
  conversationId = await receiveTelegramMessage(api.pool, inbox, '501');
});

afterAll(async () => {
  await api?.close();
});

describe('canned responses', () => {
  it('a supervisor creates one; agents may not', async () => {
    const res = await as(sue, 'POST', '/api/v1/canned-responses', { shortcode: 'greet', text: GREETING });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ shortcode: 'greet', text: GREETING, createdBy: sueId });
    greetId = res.json().id;
    const refused = await as(ann, 'POST', '/api/v1/canned-responses', { shortcode: 'mine', text: 'hello' });
    expect(refused.statusCode).toBe(403);
    expect((await api.pool.query(`select shortcode from canned_responses`)).rows).toEqual([{ shortcode: 'greet' }]);
  });

  it('agents list and read them', async () => {
    expect((await as(ann, 'GET', '/api/v1/canned-responses')).json().map((c: { id: string }) => c.id)).toEqual([greetId]);
    expect((await as(carl, 'GET', `/api/v1/canned-responses/${greetId}`)).json().text).toBe(GREETING);
  });

  it('refuses an unknown variable at create and update time, naming it', async () => {
    const res = await as(sue, 'POST', '/api/v1/canned-responses', { shortcode: 'total', text: 'Your total is {{order.total}}' });
    expect(res.statusCode).toBe(400);
    expect(fieldOf(res)).toBe('body.text');
    expect(res.json().error.message).toContain('{{order.total}}');
    const patch = await as(sue, 'PATCH', `/api/v1/canned-responses/${greetId}`, { text: 'Hi {{ contact.phone }}' });
    expect(patch.statusCode).toBe(400);
    expect(patch.json().error.message).toContain('{{contact.phone}}');
    expect((await as(sue, 'GET', `/api/v1/canned-responses/${greetId}`)).json().text).toBe(GREETING);
  });

  it('answers 409 to a shortcode already taken', async () => {
    const res = await as(sue, 'POST', '/api/v1/canned-responses', { shortcode: 'greet', text: 'again' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('canned_shortcode_taken');
  });

  it('renders for a conversation: contact, agent and conversation filled in, missing values empty and listed', async () => {
    const res = await as(ann, 'POST', `/api/v1/conversations/${conversationId}/canned/${greetId}/render`);
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({
      text: `Hi Customer 501, this is Ann. Ref ${conversationId}; we will write to .`,
      missing: ['contact.email'],
    });
  });

  it('substitutes values as plain text: never evaluated, never expanded again', async () => {
    const contactId = (await as(ann, 'GET', `/api/v1/conversations/${conversationId}`)).json().contactId;
    await api.pool.query(`update contacts set name = $2, email = 'eve@example.test' where id = $1`, [contactId, '{{agent.name}} ${process.exit(1)}']);
    const res = await as(ann, 'POST', `/api/v1/conversations/${conversationId}/canned/${greetId}/render`);
    expect(res.json()).toEqual({
      text: `Hi {{agent.name}} \${process.exit(1)}, this is Ann. Ref ${conversationId}; we will write to eve@example.test.`,
      missing: [],
    });
  });

  it('does not render into a conversation the caller may not see, or from a missing response', async () => {
    expect((await as(carl, 'POST', `/api/v1/conversations/${conversationId}/canned/${greetId}/render`)).statusCode).toBe(404);
    const missing = await as(ann, 'POST', `/api/v1/conversations/${conversationId}/canned/00000000-0000-4000-8000-000000000000/render`);
    expect(missing.statusCode).toBe(404);
  });

  it('a supervisor updates and deletes; agents may not', async () => {
    expect((await as(ann, 'PATCH', `/api/v1/canned-responses/${greetId}`, { text: 'x' })).statusCode).toBe(403);
    const updated = await as(sue, 'PATCH', `/api/v1/canned-responses/${greetId}`, { text: 'Hello {{contact.name}}' });
    expect(updated.statusCode).toBe(200);
    expect(updated.json()).toMatchObject({ shortcode: 'greet', text: 'Hello {{contact.name}}' });
    expect(new Date(updated.json().updatedAt).getTime()).toBeGreaterThan(new Date(updated.json().createdAt).getTime());
    expect((await as(ann, 'DELETE', `/api/v1/canned-responses/${greetId}`)).statusCode).toBe(403);
    expect((await as(sue, 'DELETE', `/api/v1/canned-responses/${greetId}`)).statusCode).toBe(204);
    expect((await as(ann, 'GET', `/api/v1/canned-responses/${greetId}`)).statusCode).toBe(404);
  });

  it('validates the shortcode, naming the field', async () => {
    const res = await as(sue, 'POST', '/api/v1/canned-responses', { shortcode: 'Has Spaces', text: 'x' });
    expect(res.statusCode).toBe(400);
    expect(fieldOf(res)).toBe('body.shortcode');
  });
});
