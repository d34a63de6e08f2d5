import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createWhatsAppMediaFetcher, createWhatsAppSender } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { fixtureText, startFakeWhatsApp, testRedisUrl, waitFor, type FakeWhatsApp } from '@switchboard/testkit';
import { buildWebhookIngress } from '@switchboard/webhook-ingress';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const APP_SECRET = 'e2e-whatsapp-app-secret';
const VERIFY_TOKEN = 'e2e-verify-token';
const PHONE_NUMBER_ID = '1122334455667'; // the business number of the pywa fixtures
const CUSTOMER = '972987654321';
const now = () => String(Math.floor(Date.now() / 1000));
/** A fixture as Meta would send it now: the 24-hour window is counted from the message's timestamp. */
const fresh = (file: string, replace: Record<string, string> = {}) =>
  Object.entries({ '"timestamp": "1697043223"': `"timestamp": "${now()}"`, '"timestamp": "1697043379"': `"timestamp": "${now()}"`, ...replace }).reduce(
    (text, [from, to]) => text.split(from).join(to),
    fixtureText(`whatsapp/${file}`),
  );
const sign = (body: string, secret = APP_SECRET) => `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;

let stack: Stack;
let fake: FakeWhatsApp;
let ingress: FastifyInstance;
let agent: ApiClient;
let webhookUrl: string;
let inboundQueue: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

const postWebhook = (body: string, signature: string | null = sign(body)) =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(signature === null ? {} : { 'x-hub-signature-256': signature }) },
    body,
  });
const messagesOf = async (conversationId: string) => (await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items as Array<Record<string, any>>;
const statusWebhook = (id: string, status: string) =>
  JSON.stringify({
    object: 'whatsapp_business_account',
    entry: [{ id: '5467539754836534', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '972123456789', phone_number_id: PHONE_NUMBER_ID }, statuses: [{ id, status, timestamp: now(), recipient_id: CUSTOMER }] } }] }],
  });

beforeAll(async () => {
  fake = await startFakeWhatsApp();
  stack = await startStack({
    senders: { whatsapp: createWhatsAppSender({ apiRoot: fake.apiRoot }) },
    fetchers: { whatsapp: createWhatsAppMediaFetcher({ apiRoot: fake.apiRoot }) },
  });
  ingress = await buildWebhookIngress({ pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} }, ['whatsapp']);
  const ingressUrl = await ingress.listen({ host: '127.0.0.1', port: 0 });
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'whatsapp',
    name: 'WhatsApp support',
    defaultQueueId: desk.queueId,
    config: { phoneNumberId: PHONE_NUMBER_ID },
    secrets: { accessToken: 'EAAG-e2e-token', appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
  });
  expect(inbox.status).toBe(201);
  webhookUrl = `${ingressUrl}/webhooks/whatsapp/${inbox.body.id}`;
  inboundQueue = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inboundQueue?.close();
  queueRedis.disconnect();
  await ingress?.close();
  await stack?.close();
  await fake?.close();
});

describe('a WhatsApp conversation through the whole system', () => {
  let conversationId: string;
  let replyExternalId: string;

  it("answers Meta's subscription handshake with the challenge for the inbox's verify token", async () => {
    const ok = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=8512`);
    expect([ok.status, await ok.text()]).toEqual([200, '8512']);
    expect((await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=8512`)).status).toBe(403);
  });

  it('a signed message reaches the assigned agent', async () => {
    const res = await postWebhook(fresh('text.json'));
    expect(res.status).toBe(200);
    const list = await waitFor(
      async () => {
        const r = await agent.get('/api/v1/conversations?assignee=me');
        return r.body.items.length === 1 && r.body;
      },
      { what: 'the conversation to be assigned to the agent' },
    );
    conversationId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ channel: 'whatsapp', status: 'open', routingState: 'assigned' });
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', text: 'Body Text', externalId: 'wamid.xyzxyz' })]);
  });

  it("delivers the agent's reply to the customer's number and records the returned wamid", async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Hi! How can we help?' });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall('messages', (c) => (c.body.text as { body?: string } | undefined)?.body === 'Hi! How can we help?');
    expect(call).toMatchObject({ token: 'EAAG-e2e-token', id: PHONE_NUMBER_ID });
    expect(call.body).toMatchObject({ messaging_product: 'whatsapp', to: CUSTOMER, type: 'text' });
    const sent = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'), { what: 'the reply to be marked sent' });
    expect(sent.externalId).toMatch(/^wamid\.FAKE\d+$/);
    replyExternalId = sent.externalId;
  });

  it('signed status callbacks move the reply to delivered, then read', async () => {
    expect((await postWebhook(statusWebhook(replyExternalId, 'delivered'))).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyExternalId && m.status === 'delivered'), { what: 'delivered' });
    expect((await postWebhook(statusWebhook(replyExternalId, 'read'))).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyExternalId && m.status === 'read'), { what: 'read' });
  });

  it('inbound media is downloaded through the Graph API into the blob store', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1024, 9)]);
    fake.serveMedia('65463453', jpeg, 'image/jpeg');
    const body = fresh('image.json', { '"id": "wamid.xyzxyz"': '"id": "wamid.image1"' });
    expect((await postWebhook(body)).status).toBe(200);
    const stored = await waitFor(
      async () => {
        const m = (await messagesOf(conversationId)).find((x) => x.externalId === 'wamid.image1');
        return m?.attachments?.[0]?.externalId?.startsWith('blob:') && m.attachments[0];
      },
      { what: 'the image to be fetched into the blob store' },
    );
    expect(stored).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', size: jpeg.length });
    const key = String(stored.externalId).slice('blob:'.length);
    const download = await fetch(`${stack.urls.api}/api/v1/conversations/${conversationId}/attachments/${key}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(jpeg);
    expect((await fake.waitForCall('media-download', (c) => c.id === '65463453')).token).toBe('EAAG-e2e-token');
  });

  it('a template reply goes out as a template', async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { template: { name: 'order_update', language: 'en_US', parameters: ['Ada'] } });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall('messages', (c) => c.body.type === 'template');
    expect(call.body).toMatchObject({ to: CUSTOMER, template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }] }] } });
  });

  it('a bad or missing signature answers 401 and queues nothing', async () => {
    const body = fresh('text.json', { '"id": "wamid.xyzxyz"': '"id": "wamid.forged"' });
    const before = await inboundQueue.getJobCounts();
    expect((await postWebhook(body, sign(body, 'not-the-app-secret'))).status).toBe(401);
    expect((await postWebhook(body, null)).status).toBe(401);
    // the signed bytes, then re-serialized: Meta's signature only holds over what it sent
    expect((await postWebhook(JSON.stringify(JSON.parse(body)), sign(body))).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
    expect((await messagesOf(conversationId)).some((m) => m.externalId === 'wamid.forged')).toBe(false);
  });
});

describe('a WhatsApp user without a phone number (BSUID)', () => {
  it('gets a conversation, and the reply is addressed by `recipient`', async () => {
    const bsuid = 'US.13491208655302741918';
    const body = JSON.stringify({
      object: 'whatsapp_business_account',
      entry: [{ id: '1', changes: [{ field: 'messages', value: { messaging_product: 'whatsapp', metadata: { display_phone_number: '972123456789', phone_number_id: PHONE_NUMBER_ID }, contacts: [{ profile: { name: 'Hidden Number', username: 'hidden' }, user_id: bsuid }], messages: [{ from_user_id: bsuid, id: 'wamid.bsuid1', timestamp: now(), type: 'text', text: { body: 'no phone here' } }] } }] }],
    });
    expect((await postWebhook(body)).status).toBe(200);
    const conversation = await waitFor(
      async () => {
        const id = await findConversationWith('wamid.bsuid1');
        const mine = (await agent.get('/api/v1/conversations?assignee=me')).body.items as { id: string }[];
        return id !== undefined && mine.some((c) => c.id === id) && id;
      },
      { what: 'the BSUID conversation to be assigned to the agent' },
    );
    expect(await messagesOf(conversation)).toEqual([expect.objectContaining({ direction: 'in', text: 'no phone here' })]);
    const reply = await agent.post(`/api/v1/conversations/${conversation}/messages`, { text: 'Hello, hidden number' });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall('messages', (c) => c.body.recipient === bsuid);
    expect(call.body).not.toHaveProperty('to');
    expect(call.body).toMatchObject({ type: 'text', text: { body: 'Hello, hidden number' } });
  });
});

async function findConversationWith(externalId: string): Promise<string | undefined> {
  const { rows } = await stack.pool.query<{ conversationId: string }>(`select conversation_id as "conversationId" from messages where external_id = $1`, [externalId]);
  return rows[0]?.conversationId;
}
