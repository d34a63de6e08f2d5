import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { createInstagramMediaFetcher, createInstagramSender } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { startFakeMetaSend, testRedisUrl, waitFor, type FakeMetaSend } from '@switchboard/testkit';
import { buildMetaIngress } from '../../services/ingress-meta/src/index.ts';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const IG_USER_ID = '17841400000000001';
const APP_SECRET = 'e2e-instagram-app-secret';
const IGSID = '6283911122233344';

let stack: Stack;
let fake: FakeMetaSend;
let ingress: FastifyInstance;
let agent: ApiClient;
let webhookUrl: string;
let inboundQueue: Queue;
const queueRedis = createRedis(testRedisUrl(), 'worker');

const webhook = (events: object[]) => JSON.stringify({ object: 'instagram', entry: [{ id: IG_USER_ID, time: Date.now(), messaging: events }] });
const fromCustomer = (event: object) => webhook([{ sender: { id: IGSID }, recipient: { id: IG_USER_ID }, timestamp: Date.now(), ...event }]);
const post = (body: string, secret: string | null = APP_SECRET) =>
  fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-hub-signature-256': `sha256=${createHmac('sha256', secret).update(body).digest('hex')}` }) },
    body,
  });
const messagesOf = async (conversationId: string) => (await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items as Array<Record<string, any>>;

beforeAll(async () => {
  fake = await startFakeMetaSend({ maxTextLength: 1000 });
  stack = await startStack({ senders: { instagram: createInstagramSender({ apiRoot: fake.apiRoot }) }, fetchers: { instagram: createInstagramMediaFetcher() } });
  ingress = await buildMetaIngress({ pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {} });
  const ingressUrl = await ingress.listen({ host: '127.0.0.1', port: 0 });
  const desk = await setUpDesk(stack, { agents: 1, capacity: 3 });
  agent = desk.agents[0]!.client;
  const inbox = await apiClient(stack.urls.api, ADMIN_TOKEN).post('/api/v1/inboxes', {
    channel: 'instagram',
    name: 'Instagram shop',
    defaultQueueId: desk.queueId,
    config: { igUserId: IG_USER_ID },
    secrets: { pageAccessToken: 'EAAB-e2e-ig-token', appSecret: APP_SECRET, verifyToken: 'e2e-ig-verify' },
  });
  expect(inbox.status).toBe(201);
  webhookUrl = `${ingressUrl}/webhooks/instagram/${inbox.body.id}`;
  inboundQueue = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inboundQueue.close();
  queueRedis.disconnect();
  await ingress.close();
  await stack.close();
  await fake.close();
});

describe('an Instagram conversation through the whole system', () => {
  let conversationId: string;
  let replyExternalId: string;

  it('answers the handshake and brings a signed DM to the assigned agent', async () => {
    const hs = await fetch(`${webhookUrl}?hub.mode=subscribe&hub.verify_token=e2e-ig-verify&hub.challenge=4242`);
    expect([hs.status, await hs.text()]).toEqual([200, '4242']);
    expect((await post(fromCustomer({ message: { mid: 'aWdf_e2e_1', text: 'Is this jacket still available?' } }))).status).toBe(200);
    const list = await waitFor(async () => {
      const r = await agent.get('/api/v1/conversations?assignee=me');
      return r.body.items.length === 1 && r.body;
    }, { what: 'the conversation to be assigned' });
    conversationId = list.items[0].id;
    expect(list.items[0]).toMatchObject({ channel: 'instagram', routingState: 'assigned' });
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', externalId: 'aWdf_e2e_1', text: 'Is this jacket still available?' })]);
  });

  it('sends the reply to the IGSID and records it as sent', async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Yes, in M and L.' });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall((c) => c.message.text === 'Yes, in M and L.');
    expect(call).toMatchObject({ token: 'EAAB-e2e-ig-token', recipientId: IGSID, messagingType: 'RESPONSE' });
    const sent = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'), { what: 'the reply to be sent' });
    expect(sent.externalId).toBe(call.messageId);
    replyExternalId = sent.externalId;
  });

  it('marks the reply read on messaging_seen (read.mid)', async () => {
    expect((await post(fromCustomer({ read: { mid: replyExternalId } }))).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyExternalId && m.status === 'read'), { what: 'the reply to be read' });
  });

  it('uploads an agent’s picture as filedata', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    const upload = await agent.upload(`/api/v1/conversations/${conversationId}/attachments`, { bytes: png, fileName: 'jacket.png', type: 'image/png' });
    expect(upload.status).toBe(201);
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { attachments: [upload.body.id] });
    expect(reply.status).toBe(201);
    const call = await fake.waitForCall((c) => c.file?.fileName === 'jacket.png');
    expect(call.message).toEqual({ attachment: { type: 'image', payload: { is_reusable: false } } });
    expect(call.file?.bytes.equals(png)).toBe(true);
  });

  it('stores a story mention’s media before its url expires, and drops echoes', async () => {
    const story = Buffer.from('fake story video bytes');
    const url = fake.serveMedia('story.mp4', story, 'video/mp4');
    expect((await post(fromCustomer({ message: { mid: 'aWdf_e2e_story', attachments: [{ type: 'story_mention', payload: { url } }] } }))).status).toBe(200);
    expect((await post(webhook([{ sender: { id: IG_USER_ID }, recipient: { id: IGSID }, timestamp: Date.now(), message: { mid: 'aWdf_e2e_echo', is_echo: true, text: 'from the app' } }]))).status).toBe(200);
    const mention = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.externalId === 'aWdf_e2e_story' && m.attachments[0]?.externalId?.startsWith('blob:')), { what: 'the story to be stored' });
    expect(mention.attachments[0]).toMatchObject({ mimeType: 'video/mp4', size: story.length });
    expect((await messagesOf(conversationId)).some((m) => m.externalId === 'aWdf_e2e_echo')).toBe(false);
  });

  it('answers 401 to a bad signature and queues nothing', async () => {
    const before = await inboundQueue.getJobCounts();
    expect((await post(fromCustomer({ message: { mid: 'aWdf_forged', text: 'forged' } }), 'wrong-secret')).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
  });
});
