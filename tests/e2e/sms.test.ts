import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';
import { androidGatewaySignature, createSmsMediaFetcher, createSmsSender, gatewaySignature, twilioSignature } from '@switchboard/channels';
import { silentLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { fixtureText, startFakeSmsGateway, startFakeTwilio, testRedisUrl, waitFor, type FakeSmsGateway, type FakeTwilio } from '@switchboard/testkit';
import { randomBytes } from 'node:crypto';
import { blobUrlKey, signBlobUrl } from '@switchboard/blob';
import { buildSmsIngress } from '@switchboard/ingress-sms';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

const ACCOUNT_SID = 'AC0000000000000000000000000000e2e0';
const AUTH_TOKEN = 'twilio-e2e-auth-token';
const OUR_NUMBER = '+12028831111';
const CUSTOMER = '+14133881111';
const SIGNING_SECRET = 'gateway-e2e-signing-secret-0123';
const SEND_TOKEN = 'gateway-e2e-send-token';
const GATEWAY_CUSTOMER = '+19162255887';

let stack: Stack;
let twilio: FakeTwilio;
let gateway: FakeSmsGateway;
let ingress: FastifyInstance;
let agent: ApiClient;
let twilioUrl: string;
let gatewayUrl: string;
let inboundQueue: Queue;
let ingressUrl = '';
// egress signs the MMS links with it, ingress-sms checks them: both derive it from SWITCHBOARD_SECRET_KEY
const urlKey = blobUrlKey(randomBytes(32));
const queueRedis = createRedis(testRedisUrl(), 'worker');

/** A Twilio webhook signed over the URL we listen on and the exact form parameters. */
const postTwilio = (params: Record<string, string>, token: string | null = AUTH_TOKEN) => {
  const body = new URLSearchParams(params).toString();
  const signature = token === null ? {} : { 'x-twilio-signature': twilioSignature(token, twilioUrl, params) };
  return fetch(twilioUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...signature }, body });
};
const postGateway = (body: string, secret: string | null = SIGNING_SECRET, timestamp = String(Math.floor(Date.now() / 1000))) =>
  fetch(gatewayUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(secret === null ? {} : { 'x-timestamp': timestamp, 'x-signature': gatewaySignature(secret, timestamp, body) }) },
    body,
  });
const messagesOf = async (conversationId: string): Promise<any[]> => (await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items;
/** The agent's conversation from `inboxId` once it is assigned. */
const conversationOf = (inboxId: string) =>
  waitFor(
    async () => ((await agent.get('/api/v1/conversations?assignee=me')).body.items as any[]).find((c) => c.inboxId === inboxId),
    { what: `the conversation of inbox ${inboxId} to be assigned to the agent` },
  );
let twilioInboxId: string;
let gatewayInboxId: string;

beforeAll(async () => {
  twilio = await startFakeTwilio();
  twilio.addAccount(ACCOUNT_SID, AUTH_TOKEN);
  gateway = await startFakeSmsGateway({ token: SEND_TOKEN });
  stack = await startStack({
    senders: {
      sms: createSmsSender({
        apiRoot: twilio.apiRoot,
        mediaUrlFor: (file) => signBlobUrl(ingressUrl, file.blobKey, urlKey, new Date(Date.now() + 3_600_000)),
      }),
    },
    fetchers: { sms: createSmsMediaFetcher({ apiRoot: twilio.apiRoot }) },
  });
  ingress = await buildSmsIngress({
    pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger: silentLogger(), readiness: {},
    media: { blobs: stack.blobs, urlKey },
  });
  ingressUrl = await ingress.listen({ host: '127.0.0.1', port: 0 });
  const desk = await setUpDesk(stack, { agents: 1, capacity: 5 });
  agent = desk.agents[0]!.client;
  const admin = apiClient(stack.urls.api, ADMIN_TOKEN);
  const twilioInbox = await admin.post('/api/v1/inboxes', {
    channel: 'sms',
    name: 'SMS (Twilio)',
    defaultQueueId: desk.queueId,
    config: { provider: 'twilio', accountSid: ACCOUNT_SID, from: OUR_NUMBER },
    secrets: { authToken: AUTH_TOKEN },
  });
  expect(twilioInbox.status).toBe(201);
  twilioInboxId = twilioInbox.body.id;
  twilioUrl = `${ingressUrl}/webhooks/sms/${twilioInboxId}`;
  const gatewayInbox = await admin.post('/api/v1/inboxes', {
    channel: 'sms',
    name: 'SMS (gateway)',
    defaultQueueId: desk.queueId,
    config: { provider: 'gateway', sendUrl: gateway.sendUrl },
    secrets: { signingSecret: SIGNING_SECRET, sendToken: SEND_TOKEN },
  });
  expect(gatewayInbox.status).toBe(201);
  gatewayInboxId = gatewayInbox.body.id;
  gatewayUrl = `${ingressUrl}/webhooks/sms/${gatewayInboxId}`;
  inboundQueue = new Queue('inbound', { connection: queueRedis, prefix: stack.prefix });
});
afterAll(async () => {
  await inboundQueue?.close();
  queueRedis.disconnect();
  await ingress?.close();
  await stack?.close();
  await twilio?.close();
  await gateway?.close();
});

describe('an SMS conversation through Twilio', () => {
  let conversationId: string;
  let replySid: string;

  it('a signed inbound SMS reaches the assigned agent; Twilio gets empty TwiML', async () => {
    const params = Object.fromEntries(new URLSearchParams(fixtureText('twilio/courier_sms_inbound.form').trimEnd()));
    const res = await postTwilio(params);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/xml/);
    expect(await res.text()).toContain('<Response/>');
    const conversation = await conversationOf(twilioInboxId);
    conversationId = conversation.id;
    expect(conversation).toMatchObject({ channel: 'sms', status: 'open', routingState: 'assigned' });
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', text: 'Msg', externalId: 'SMe287d7109a5a925f182f0e07fe5b223b' })]);
  });

  it("sends the agent's reply through the Messages API and records the returned sid", async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Hi! How can we help?' });
    expect(reply.status).toBe(201);
    const call = await twilio.waitForCall((c) => c.params.Body === 'Hi! How can we help?');
    expect(call).toMatchObject({ accountSid: ACCOUNT_SID, auth: { user: ACCOUNT_SID, password: AUTH_TOKEN } });
    expect(call.params).toMatchObject({ To: CUSTOMER, From: OUR_NUMBER });
    const sent = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'), { what: 'the reply to be marked sent' });
    expect(sent.externalId).toBe(call.sid);
    replySid = sent.externalId;
  });

  it('signed status callbacks move the reply to delivered, then read', async () => {
    expect((await postTwilio({ MessageSid: replySid, SmsSid: replySid, MessageStatus: 'delivered', To: CUSTOMER, From: OUR_NUMBER, AccountSid: ACCOUNT_SID })).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replySid && m.status === 'delivered'), { what: 'delivered' });
    expect((await postTwilio({ MessageSid: replySid, MessageStatus: 'read', To: CUSTOMER })).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replySid && m.status === 'read'), { what: 'read' });
  });

  it('an MMS image is downloaded with the account credentials into the blob store', async () => {
    const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(1024, 9)]);
    const mediaUrl = twilio.serveMedia(ACCOUNT_SID, jpeg, 'image/jpeg');
    const params = { MessageSid: 'MM0000000000000000000000000000e2e1', AccountSid: ACCOUNT_SID, From: CUSTOMER, To: OUR_NUMBER, Body: 'photo', NumMedia: '1', MediaUrl0: mediaUrl, MediaContentType0: 'image/jpeg' };
    expect((await postTwilio(params)).status).toBe(200);
    const stored = await waitFor(
      async () => {
        const m = (await messagesOf(conversationId)).find((x) => x.externalId === params.MessageSid);
        return m?.attachments?.[0]?.externalId?.startsWith('blob:') && m.attachments[0];
      },
      { what: 'the image to be fetched into the blob store' },
    );
    expect(stored).toMatchObject({ kind: 'image', mimeType: 'image/jpeg', size: jpeg.length });
    const key = String(stored.externalId).slice('blob:'.length);
    const download = await fetch(`${stack.urls.api}/api/v1/conversations/${conversationId}/attachments/${key}`, { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } });
    expect(download.status).toBe(200);
    expect(Buffer.from(await download.arrayBuffer())).toEqual(jpeg);
    expect(twilio.mediaRequests).toContainEqual({ path: new URL(mediaUrl).pathname, authorized: true });
  });

  it('sends an agent’s file as an MMS through a signed link Twilio can fetch, and nothing else opens', async () => {
    const png = Buffer.from('89504e470d0a1a0a0000000d4948445200000001', 'hex');
    const upload = await agent.upload(`/api/v1/conversations/${conversationId}/attachments`, { bytes: png, fileName: 'label.png', type: 'image/png' });
    expect(upload.status).toBe(201);
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Your return label', attachments: [upload.body.id] });
    expect(reply.status).toBe(201);
    const call = await twilio.waitForCall((c) => c.params.Body === 'Your return label');
    const mediaUrl = String(call.params.MediaUrl);
    expect(mediaUrl).toMatch(new RegExp(`^${ingressUrl}/media/${upload.body.sha256}\\?exp=\\d+&sig=`));
    const fetched = await fetch(mediaUrl);
    expect(fetched.status).toBe(200);
    expect(fetched.headers.get('content-type')).toBe('image/png');
    expect(Buffer.from(await fetched.arrayBuffer())).toEqual(png);
    expect((await fetch(mediaUrl.replace(/sig=.+$/, 'sig=forged'))).status).toBe(404);
    expect((await fetch(`${ingressUrl}/media/${upload.body.sha256}`)).status).toBe(404);
  });

  it('a reply to a contact who sent STOP fails permanently as recipient_blocked', async () => {
    twilio.failNext(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', more_info: 'https://www.twilio.com/docs/errors/21610', status: 400 });
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'Are you still there?' });
    expect(reply.status).toBe(201);
    const failed = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'failed'), { what: 'the reply to fail' });
    expect(JSON.stringify(failed)).toContain('21610');
  });

  it('a bad or missing signature answers 401 and queues nothing', async () => {
    const params = { MessageSid: 'SM0000000000000000000000000000f0f0', From: CUSTOMER, To: OUR_NUMBER, Body: 'forged' };
    const before = await inboundQueue.getJobCounts();
    expect((await postTwilio(params, 'not-the-auth-token')).status).toBe(401);
    expect((await postTwilio(params, null)).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
    expect((await messagesOf(conversationId)).some((m) => m.text === 'forged')).toBe(false);
  });
});

describe('an SMS conversation through a generic gateway', () => {
  let conversationId: string;
  let replyId: string;

  it('a signed inbound message (our contract) reaches the agent', async () => {
    const body = JSON.stringify({ id: 'gw-in-1', from: GATEWAY_CUSTOMER, to: '+15550009999', text: 'Hello from the gateway' });
    expect((await postGateway(body)).status).toBe(200);
    conversationId = (await conversationOf(gatewayInboxId)).id;
    expect(await messagesOf(conversationId)).toEqual([expect.objectContaining({ direction: 'in', text: 'Hello from the gateway', externalId: 'gw-in-1' })]);
  });

  it("the Android SMS gateway app's sms:received webhook, signed its way, joins the conversation", async () => {
    const body = fixtureText('sms-gateway/android_sms_gateway_sms_received.json');
    const timestamp = String(Math.floor(Date.now() / 1000));
    const res = await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-timestamp': timestamp, 'x-signature': androidGatewaySignature(SIGNING_SECRET, timestamp, body) }, body });
    expect(res.status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === 'msg_12345abcde' && m.text === 'Received SMS text'), { what: 'the Android message' });
  });

  it("POSTs the agent's reply to the send URL with the bearer token", async () => {
    const reply = await agent.post(`/api/v1/conversations/${conversationId}/messages`, { text: 'We got your message' });
    expect(reply.status).toBe(201);
    const call = await gateway.waitForCall((c) => c.body.text === 'We got your message');
    expect(call.authorization).toBe(`Bearer ${SEND_TOKEN}`);
    expect(call.body).toEqual({ id: reply.body.id, to: GATEWAY_CUSTOMER, text: 'We got your message' });
    const sent = await waitFor(async () => (await messagesOf(conversationId)).find((m) => m.id === reply.body.id && m.status === 'sent'), { what: 'the reply to be marked sent' });
    expect(sent.externalId).toBe(call.id);
    replyId = sent.externalId;
  });

  it('a signed status report marks the reply delivered', async () => {
    expect((await postGateway(JSON.stringify({ id: replyId, status: 'delivered' }))).status).toBe(200);
    await waitFor(async () => (await messagesOf(conversationId)).some((m) => m.externalId === replyId && m.status === 'delivered'), { what: 'delivered' });
  });

  it('a bad signature or a stale timestamp answers 401 and queues nothing', async () => {
    const body = JSON.stringify({ id: 'gw-forged', from: GATEWAY_CUSTOMER, text: 'forged' });
    const before = await inboundQueue.getJobCounts();
    expect((await postGateway(body, 'not-the-signing-secret-0000')).status).toBe(401);
    expect((await postGateway(body, null)).status).toBe(401);
    expect((await postGateway(body, SIGNING_SECRET, String(Math.floor(Date.now() / 1000) - 600))).status).toBe(401);
    expect(await inboundQueue.getJobCounts()).toEqual(before);
  });
});
