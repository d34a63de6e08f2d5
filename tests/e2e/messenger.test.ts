import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createMessengerMediaFetcher, createMessengerSender } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { startFakeMetaSend, testRedisUrl, waitFor, type FakeMetaSend } from '@switchboard/testkit';
import { buildMetaIngress } from '../../services/ingress-meta/src/index.ts';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const PAGE_ID = '1234567890';
const APP_SECRET = 'e2e-messenger-app-secret';
const VERIFY_TOKEN = 'e2e-verify-token';
const PSID = '5678';

let stack: Stack;
let fake: FakeMetaSend;
let ingress: FastifyInstance;
let agent: ApiClient;
let webhookUrl: string;
let inboundQueue: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

/** A page webhook as Meta writes it: non-ASCII escaped as \uXXXX in the raw bytes. */
const webhook = (events: object[]) =>
  JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging: events }] }).replace(/[\u0080-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const inbound = (mid: string, message: object, from = PSID, timestamp = Date.now()) => webhook([{ sender: { id: from }, recipient: { id: PAGE_ID }, timestamp, message: { mid, ...message } }]);
const post = (body: string, secret: string | null = APP_SECRET) =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(Buffer.from(body, 'utf8')).digest('hex')}` }) },
    body,
  });
const messagesOf = async (conversationId: string) => (await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items as Array<Record<string, any>>;

beforeAll(async () => {
  fake = await startFakeMetaSend();
  stack = await startStack({ senders: { messenger: createMessengerSender({ apiRoot: fake.apiRoot }) }, fetchers: { messenger: createMessengerMediaFetcher() } });
  ingress = await buildMetaIngress({ pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} });
  const ingressUrl = await ingress.listen({ host: '127.0.0.1', port: 0 });
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'messenger',
    name: 'Facebook page',
    defaultQueueId: desk.queueId,
    config: { pageId: PAGE_ID },
    secrets: { pageAccessToken: 'EAAB-e2e-page-token', appSecret: APP_SECRET, verifyToken: VERIFY_TOKEN },
  });
  expect(inbox.status).toBe(201);
  webhookUrl = `${ingressUrl}/webhooks/messenger/${inbox.body.id}`;
  inboundQueue = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inboundQueue.close();
  queueRedis.disconnect();
  await ingress.close();
  await stack.close();
  await fake.close();
});

describe('a Messenger conversation through the whole system', () => {
  let conversationId: string;
  let replyExternalId: string;

  it('answers Meta’s subscription handshake with the inbox verify token', async () => {
    const ok = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=${VERIFY_TOKEN}&hub.challenge=31337`);
    expect([ok.status, await ok.text()]).toEqual([200, '31337']);
    expect((await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1`)).status).toBe(403);
  });

  it('brings a signed message to the assigned agent', async () => {
    const res = await post(inbound('m_e2e_1', { text: 'Hallo, ich habe eine Frage zu meiner Bestellung (Café)' }));
    expect(res.status).toBe(200);
    const list = await waitFor(async () => {
      const r = await agent.get('/api/v1/conversations?assignee=me');
      return r.body.items.length === 1 && r.body;
    }, { what: 'the conversation to be assigned to the agent' });
    conversationId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ channel: 'messenger', routingState: 'assigned' });
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', externalId: 'm_e2e_1', text: 'Hallo, ich habe eine Frage zu meiner Bestellung (Café)' })]);
  });

  it('sends the agent’s reply through the Send API and records Meta’s message_id', async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Gern! Wie lautet die Bestellnummer?' });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall((c) => c.message.text === 'Gern! Wie lautet die Bestellnummer?');
    expect(call).toMatchObject({ account: 'me', token: 'EAAB-e2e-page-token', recipientId: PSID, messagingType: 'RESPONSE' });
    const sent = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'), { what: 'the reply to be sent' });
    expect(sent.externalId).toBe(call.messageId);
    replyExternalId = sent.externalId;
  });

  it('marks the reply delivered when Meta’s delivery receipt names its mid', async () => {
    const res = await post(webhook([{ sender: { id: PSID }, recipient: { id: PAGE_ID }, delivery: { mids: [replyExternalId], watermark: Date.now() } }]));
    expect(res.status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyExternalId && m.status === 'delivered'), { what: 'the reply to be delivered' });
  });

  it('marks every earlier reply read when Meta’s read receipt carries only a watermark', async () => {
    const res = await post(webhook([{ sender: { id: PSID }, recipient: { id: PAGE_ID }, read: { watermark: Date.now() + 1_000 } }]));
    expect(res.status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyExternalId && m.status === 'read'), { what: 'the reply to be read' });
  });

  it('fetches an inbound photo into the blob store and serves it to the agent', async () => {
    const jpeg = Buffer.from('ffd8ffe000104a46494600010100000100010000ffd9', 'hex');
    const url = fake.serveMedia('customer-photo.jpg', jpeg, 'image/jpeg');
    expect((await post(inbound('m_e2e_photo', { attachments: [{ type: 'image', payload: { url } }] }))).status).toBe(200);
    const photo = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.externalId === 'm_e2e_photo' && m.attachments[0]?.externalId?.startsWith('blob:')), { what: 'the photo to be stored' });
    expect(photo.attachments[0]).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', size: jpeg.length });
    const key = photo.attachments[0].externalId.slice('blob:'.length);
    const download = await fetch(`${stack.urls.api}/api/v1/conversations/${conversationId}/attachments/${key}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer()).equals(jpeg)).toBe(true);
  });

  it('stores a redelivered message once', async () => {
    const body = inbound('m_e2e_2', { text: 'Nummer 4711' });
    expect((await post(body)).status).toBe(200);
    expect((await post(body)).status).toBe(200);
    expect((await post(inbound('m_e2e_3', { text: 'noch da?' }))).status).toBe(200);
    // inbound jobs run concurrently: wait for both, then the redelivery must not have added a copy
    const items = await waitFor(async () => {
      const all = await messagesOf(conversationId);
      return all.some((m) => m.externalId === 'm_e2e_3') && all.some((m) => m.externalId === 'm_e2e_2') && all;
    }, { what: 'both messages' });
    expect(items.filter((m) => m.externalId === 'm_e2e_2')).toHaveLength(1);
  });

  it('refuses a free-form reply 24 hours after the customer’s last message', async () => {
    const dayAgo = Date.now() - 25 * 3_600_000;
    expect((await post(inbound('m_e2e_old', { text: 'old question' }, '9999', dayAgo))).status).toBe(200);
    const stale = await waitFor(async () => {
      const r = await agent.get('/api/v1/conversations?assignee=me');
      return r.body.items.find((c: { id: string }) => c.id !== conversationId);
    }, { what: 'the second conversation' });
    const reply = await agent.post(`/api/v1/conversations/${stale.id}/messages`, { text: 'sorry for the wait' });
    expect(reply.status).toBe(422);
    expect(reply.body.error.code).toBe('outside_reply_window');
  });

  it('answers 401 to a bad or missing signature and queues nothing', async () => {
    const before = await inboundQueue.getJobCounts();
    const body = inbound('m_e2e_forged', { text: 'forged' });
    expect((await post(body, 'not-the-app-secret')).status).toBe(401);
    expect((await post(body, null)).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
    expect((await messagesOf(conversationId)).some((m) => m.externalId === 'm_e2e_forged')).toBe(false);
  });
});
