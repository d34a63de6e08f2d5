import { describe, it, expect, beforeAll, afterAll } from '@jest/globals';
import { getInboxWithSecrets } from '@switchboard/db';
import { ADMIN_TOKEN, startTestApi, type TestApi } from './testing.ts';

let api: TestApi;
const BOT_TOKEN = '123456:AAbbCCdd_ee-ff';

beforeAll(async () => {
  api = await startTestApi();
});

afterAll(async () => {
  await api?.close();
});

const admin = (method: 'GET' | 'POST' | 'PUT', url: string, payload?: object) =>
  api.call(ADMIN_TOKEN, payload ? { method, url, payload } : { method, url });

describe('inboxes', () => {
  it('gives webhook channels their callback URL, and Meta channels a generated verify token shown once', async () => {
    const wa = await admin('POST', '/api/v1/inboxes', { channel: 'whatsapp', name: 'WA', config: { phoneNumberId: '106540352242922' }, secrets: { accessToken: 'EAAG-token', appSecret: 'app-secret' } });
    expect(wa.statusCode).toBe(201);
    expect(wa.json()).toMatchObject({ webhookUrl: `https://wa.example.test/webhooks/whatsapp/${wa.json().id}`, verifyToken: expect.stringMatching(/^[\w-]{32}$/) });
    const listed = (await admin('GET', '/api/v1/inboxes')).json().find((i: { id: string }) => i.id === wa.json().id);
    expect(listed).not.toHaveProperty('verifyToken');
    expect(listed.webhookUrl).toBe(wa.json().webhookUrl);
    const ig = await admin('POST', '/api/v1/inboxes', { channel: 'instagram', name: 'IG', config: { igUserId: '17841400000000000' }, secrets: { pageAccessToken: 'EAAB-token', appSecret: 'app-secret', verifyToken: 'chosen-by-admin' } });
    expect(ig.json()).toMatchObject({ webhookUrl: `https://meta.example.test/webhooks/instagram/${ig.json().id}`, verifyToken: 'chosen-by-admin' });
    const sms = await admin('POST', '/api/v1/inboxes', { channel: 'sms', name: 'SMS', config: { provider: 'gateway', sendUrl: 'https://gw.example.test/send' }, secrets: { signingSecret: 's'.repeat(32) } });
    expect(sms.statusCode).toBe(201);
    expect(sms.json().webhookUrl).toBe(`https://sms.example.test/webhooks/sms/${sms.json().id}`);
    expect(sms.json()).not.toHaveProperty('verifyToken');
  });

  it('creates a telegram inbox with its webhook URL and a generated webhook secret shown once', async () => {
    const res = await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Support bot', secrets: { botToken: BOT_TOKEN } });
    expect(res.statusCode).toBe(201);
    const inbox = res.json();
    expect(inbox).toMatchObject({ channel: 'telegram', name: 'Support bot', config: { mode: 'webhook' }, defaultQueueId: null });
    expect(inbox.webhookUrl).toBe(`https://hooks.example.test/webhooks/telegram/${inbox.id}`);
    expect(inbox.webhookSecret).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(inbox).not.toHaveProperty('secrets');

    const stored = await getInboxWithSecrets<{ botToken: string; webhookSecret: string }>(api.pool, api.secretBox, inbox.id);
    expect(stored?.secrets).toEqual({ botToken: BOT_TOKEN, webhookSecret: inbox.webhookSecret });

    const one = (await admin('GET', `/api/v1/inboxes/${inbox.id}`)).json();
    expect(one.webhookUrl).toBe(inbox.webhookUrl);
    const listed = (await admin('GET', '/api/v1/inboxes')).json();
    const body = JSON.stringify(listed);
    expect(body).not.toContain(BOT_TOKEN);
    expect(body).not.toContain(inbox.webhookSecret);
    expect(listed[0]).not.toHaveProperty('webhookSecret');
    expect(listed[0]).not.toHaveProperty('secrets');
  });

  it('keeps a webhook secret the admin chose', async () => {
    const res = await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Chosen', secrets: { botToken: BOT_TOKEN, webhookSecret: 'my-own_secret' } });
    expect(res.statusCode).toBe(201);
    expect(res.json().webhookSecret).toBe('my-own_secret');
  });

  it('creates a webchat inbox with its widget URL and a generated visitor-token key', async () => {
    const res = await admin('POST', '/api/v1/inboxes', { channel: 'webchat', name: 'Website', config: { allowedOrigins: ['https://shop.example'] } });
    expect(res.statusCode).toBe(201);
    const inbox = res.json();
    expect(inbox.webchatUrl).toBe(`https://chat.example.test/webchat/${inbox.id}`);
    expect(inbox).not.toHaveProperty('webhookSecret');
    const stored = await getInboxWithSecrets<{ visitorTokenKey: string }>(api.pool, api.secretBox, inbox.id);
    expect(Buffer.from(stored!.secrets.visitorTokenKey, 'base64')).toHaveLength(32);
  });

  it("validates config and secrets with the channel adapter's schemas, naming the field", async () => {
    const secrets = await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bad', secrets: { botToken: 'nope' } });
    expect(secrets.statusCode).toBe(400);
    expect(secrets.json().error.message).toMatch(/^body\.secrets\.botToken: /);
    expect(secrets.body).not.toContain('nope');
    const missing = await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bad' });
    expect(missing.json().error.message).toMatch(/^body\.secrets\.botToken: /);
    const config = await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Bad', config: { mode: 'carrier-pigeon' }, secrets: { botToken: BOT_TOKEN } });
    expect(config.statusCode).toBe(400);
    expect(config.json().error.message).toMatch(/^body\.config\.mode: /);
    const channel = await admin('POST', '/api/v1/inboxes', { channel: 'fax', name: 'Bad' });
    expect(channel.json().error.message).toMatch(/^body\.channel: /);
  });

  it('refuses a default queue that does not exist', async () => {
    const res = await admin('POST', '/api/v1/inboxes', {
      channel: 'telegram',
      name: 'Orphan',
      defaultQueueId: '00000000-0000-4000-8000-000000000000',
      secrets: { botToken: BOT_TOKEN },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.message).toMatch(/^body\.defaultQueueId: /);
  });

  it('answers 404 for an unknown inbox', async () => {
    expect((await admin('GET', '/api/v1/inboxes/00000000-0000-4000-8000-000000000000')).statusCode).toBe(404);
  });
});

describe('agents', () => {
  it('creates an agent with a token shown once and a default capacity on every enabled channel', async () => {
    const res = await admin('POST', '/api/v1/agents', { name: 'Ann', email: 'ann@example.test' });
    expect(res.statusCode).toBe(201);
    const { agent, token } = res.json();
    expect(agent).toMatchObject({ name: 'Ann', email: 'ann@example.test', role: 'agent', status: 'offline', capacity: { telegram: 3, webchat: 3 } });
    expect(token).toMatch(/^sb_/);
    expect((await api.call(token, { method: 'GET', url: '/api/v1/me' })).json().id).toBe(agent.id);
    const listed = (await admin('GET', '/api/v1/agents')).json();
    expect(JSON.stringify(listed)).not.toContain(token);
  });

  it('applies a number to every channel, or a per-channel record', async () => {
    const all = (await admin('POST', '/api/v1/agents', { name: 'Bo', capacity: 5 })).json();
    // at most one callback call at a time unless set per channel
    expect(all.agent.capacity).toEqual({ email: 5, instagram: 5, messenger: 5, sms: 5, telegram: 5, webchat: 5, whatsapp: 5, voice: 1 });
    const per = (await admin('POST', '/api/v1/agents', { name: 'Cy', role: 'supervisor', capacity: { telegram: 2 } })).json();
    expect(per.agent).toMatchObject({ role: 'supervisor', capacity: { telegram: 2, webchat: 0, voice: 0 } });
  });

  it('answers 409 for a duplicate email', async () => {
    await admin('POST', '/api/v1/agents', { name: 'Di', email: 'di@example.test' });
    const res = await admin('POST', '/api/v1/agents', { name: 'Di again', email: 'di@example.test' });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('email_taken');
  });
});

describe('queues', () => {
  it('creates a queue, replaces its members, and lists it', async () => {
    const a = (await admin('POST', '/api/v1/agents', { name: 'Q1' })).json().agent;
    const b = (await admin('POST', '/api/v1/agents', { name: 'Q2' })).json().agent;
    const created = await admin('POST', '/api/v1/queues', { name: 'Billing', memberIds: [a.id] });
    expect(created.statusCode).toBe(201);
    const queue = created.json();
    expect(queue).toMatchObject({ name: 'Billing', strategy: 'least_load', memberIds: [a.id] });

    const updated = await admin('PUT', `/api/v1/queues/${queue.id}/members`, { memberIds: [b.id] });
    expect(updated.statusCode).toBe(200);
    expect(updated.json().memberIds).toEqual([b.id]);
    const listed = (await admin('GET', '/api/v1/queues')).json();
    expect(listed.find((q: { id: string }) => q.id === queue.id).memberIds).toEqual([b.id]);
  });

  it('refuses unknown members with 400 naming the entry, and duplicate names with 409', async () => {
    const a = (await admin('POST', '/api/v1/agents', { name: 'Q3' })).json().agent;
    const unknown = await admin('POST', '/api/v1/queues', { name: 'Ghosts', memberIds: [a.id, '00000000-0000-4000-8000-000000000000'] });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.message).toMatch(/^body\.memberIds\.1: /);
    expect((await admin('GET', '/api/v1/queues')).json().some((q: { name: string }) => q.name === 'Ghosts')).toBe(false);

    await admin('POST', '/api/v1/queues', { name: 'Sales', memberIds: [] });
    const dup = await admin('POST', '/api/v1/queues', { name: 'Sales', memberIds: [] });
    expect(dup.statusCode).toBe(409);
    expect(dup.json().error.code).toBe('queue_name_taken');
  });

  it('answers 404 when replacing the members of an unknown queue', async () => {
    const res = await admin('PUT', '/api/v1/queues/00000000-0000-4000-8000-000000000000/members', { memberIds: [] });
    expect(res.statusCode).toBe(404);
  });
});
