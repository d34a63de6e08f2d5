import { createHmac, randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import WebSocket from 'ws';
import { blobUrlKey } from '@switchboard/blob';
import { createMessengerSender, createSmsSender, createWhatsAppSender, gatewaySignature, signUserId, twilioSignature } from '@switchboard/channels';
import { startEmailPollers, type EmailPollers } from '@switchboard/ingress-email';
import { buildSmsIngress } from '@switchboard/ingress-sms';
import { createLogger } from '@switchboard/log';
import { createRedis } from '@switchboard/queue';
import { buildWebhookIngress } from '@switchboard/webhook-ingress';
import {
  fixtureText, startFakeMetaSend, startFakeSmsGateway, startFakeTwilio, startFakeWhatsApp, testRedisUrl, waitFor,
  type FakeMetaSend, type FakeSmsGateway, type FakeTwilio, type FakeWhatsApp,
} from '@switchboard/testkit';
import { buildMetaIngress } from '../../services/ingress-meta/src/index.ts';
import { ADMIN_TOKEN, apiClient, setUpDesk, startStack, type ApiClient, type Stack } from '../support/stack.ts';

/** Each secret is random per run, so a hit in the logs can only come from this run's configuration. */
const secret = (prefix: string) => `${prefix}-${randomBytes(12).toString('hex')}`;
const S = {
  botToken: `123456:${randomBytes(16).toString('hex')}`,
  telegramWebhookSecret: secret('tg-hook'),
  identitySecret: secret('webchat-identity'),
  imapPassword: secret('imap-pass'),
  smtpPassword: secret('smtp-pass'),
  whatsappAccessToken: secret('EAAG-wa'),
  whatsappAppSecret: secret('wa-app-secret'),
  whatsappVerifyToken: secret('wa-verify'),
  pageAccessToken: secret('EAAB-page'),
  messengerAppSecret: secret('fb-app-secret'),
  messengerVerifyToken: secret('fb-verify'),
  twilioAuthToken: secret('twilio-auth'),
  gatewaySigningSecret: secret('gw-signing'),
  gatewaySendToken: secret('gw-send'),
  webhookSubscriptionSecret: secret('whsec'),
};
const SECRET_KEY = randomBytes(32);
const ACCOUNT_SID = 'AC0000000000000000000000000000ab01';
const PHONE_NUMBER_ID = '1122334455667';
const PAGE_ID = '1234567890';

/** Every log line of every service, as written. */
const lines: string[] = [];
const sink = new Writable({ write: (chunk, _enc, done) => { lines.push(...String(chunk).split('\n').filter(Boolean)); done(); } });
const logger = createLogger({ service: 'secrets-e2e', level: 'trace', destination: sink });

let stack: Stack;
let twilio: FakeTwilio;
let gateway: FakeSmsGateway;
let whatsapp: FakeWhatsApp;
let meta: FakeMetaSend;
let sms: FastifyInstance;
let waIngress: FastifyInstance;
let metaIngress: FastifyInstance;
let pollers: EmailPollers;
let admin: ApiClient;
let agent: ApiClient;
let agentToken: string;
let queueId: string;
const inboxIds: Record<string, string> = {};
/** Credentials the run hands out (not configured up front). */
const seen: Record<string, string> = {};
const urls: Record<string, string> = {};
const redis = createRedis(testRedisUrl(), 'producer');

beforeAll(async () => {
  [twilio, gateway, whatsapp, meta] = await Promise.all([startFakeTwilio(), startFakeSmsGateway({ token: S.gatewaySendToken }), startFakeWhatsApp(), startFakeMetaSend()]);
  twilio.addAccount(ACCOUNT_SID, S.twilioAuthToken);
  stack = await startStack({
    logger,
    senders: {
      sms: createSmsSender({ apiRoot: twilio.apiRoot, mediaUrlFor: () => 'http://127.0.0.1:9/none' }),
      whatsapp: createWhatsAppSender({ apiRoot: whatsapp.apiRoot }),
      messenger: createMessengerSender({ apiRoot: meta.apiRoot }),
    },
  });
  const deps = { pool: stack.pool, producer: stack.producer, inboxes: stack.inboxes, logger, readiness: {} };
  sms = await buildSmsIngress({ ...deps, media: { blobs: stack.blobs, urlKey: blobUrlKey(SECRET_KEY) } });
  waIngress = await buildWebhookIngress(deps, ['whatsapp']);
  metaIngress = await buildMetaIngress(deps);
  urls.sms = await sms.listen({ host: '127.0.0.1', port: 0 });
  urls.whatsapp = await waIngress.listen({ host: '127.0.0.1', port: 0 });
  urls.meta = await metaIngress.listen({ host: '127.0.0.1', port: 0 });

  const desk = await setUpDesk(stack, { agents: 1, capacity: 20 });
  admin = desk.admin;
  agent = desk.agents[0]!.client;
  agentToken = desk.agents[0]!.token;
  queueId = desk.queueId;
  const inboxes: Record<string, object> = {
    telegram: { channel: 'telegram', secrets: { botToken: S.botToken, webhookSecret: S.telegramWebhookSecret } },
    webchat: { channel: 'webchat', secrets: { identitySecret: S.identitySecret } },
    email: {
      channel: 'email',
      config: { address: 'support@shop.example', imap: { host: '127.0.0.1', port: 9, secure: false, user: 'support' }, smtp: { host: '127.0.0.1', port: 9, secure: false, user: 'support' } },
      secrets: { imapPassword: S.imapPassword, smtpPassword: S.smtpPassword },
    },
    whatsapp: { channel: 'whatsapp', config: { phoneNumberId: PHONE_NUMBER_ID }, secrets: { accessToken: S.whatsappAccessToken, appSecret: S.whatsappAppSecret, verifyToken: S.whatsappVerifyToken } },
    messenger: { channel: 'messenger', config: { pageId: PAGE_ID }, secrets: { pageAccessToken: S.pageAccessToken, appSecret: S.messengerAppSecret, verifyToken: S.messengerVerifyToken } },
    twilio: { channel: 'sms', config: { provider: 'twilio', accountSid: ACCOUNT_SID, from: '+12028831111' }, secrets: { authToken: S.twilioAuthToken } },
    gateway: { channel: 'sms', config: { provider: 'gateway', sendUrl: gateway.sendUrl }, secrets: { signingSecret: S.gatewaySigningSecret, sendToken: S.gatewaySendToken } },
  };
  for (const [name, body] of Object.entries(inboxes)) {
    const res = await admin.post('/api/v1/inboxes', { name, defaultQueueId: queueId, ...body });
    if (res.status !== 201) throw new Error(`creating the ${name} inbox failed: ${JSON.stringify(res.body)}`);
    inboxIds[name] = res.body.id;
    if (name === 'telegram') urls.telegramHook = res.body.webhookUrl;
  }
  // the poller fails to connect (nothing listens on port 9) and logs why, with the inbox at hand
  pollers = startEmailPollers({ ...deps, redis, refreshMs: 500, pollIntervalMs: 500, idleDelayMs: 100, retryMs: 200 });
}, 60_000);

afterAll(async () => {
  await pollers?.close();
  redis.disconnect();
  await Promise.all([sms?.close(), waIngress?.close(), metaIngress?.close()]);
  await stack?.close();
  await Promise.all([twilio?.close(), gateway?.close(), whatsapp?.close(), meta?.close()]);
});

const conversationOf = (inboxId: string) =>
  waitFor(async () => ((await agent.get('/api/v1/conversations?assignee=me')).body.items as any[]).find((c) => c.inboxId === inboxId), { what: `the conversation of inbox ${inboxId}` });
const messageOf = (conversationId: string, id: string, status: string) =>
  waitFor(async () => ((await agent.get(`/api/v1/conversations/${conversationId}/messages`)).body.items as any[]).find((m) => m.id === id && m.status === status), { what: `message ${id} ${status}` });
const hubSignature = (body: string, key: string) => `sha256=${createHmac('sha256', key).update(body, 'utf8').digest('hex')}`;

/** The forms a secret may take in a log line: raw, JSON-escaped, base64(url), URL-encoded, and in a Basic header. */
function formsOf(value: string): string[] {
  const forms = new Set([value, JSON.stringify(value).slice(1, -1), encodeURIComponent(value), Buffer.from(value).toString('base64'), Buffer.from(value).toString('base64url')]);
  return [...forms].filter((f) => f.length >= 8);
}

describe('a full run of every channel with trace logging', () => {
  it('drives traffic through every service', async () => {
    // Telegram: a signed update, a bad secret, and a reply whose send fails with an error that echoes the token
    const update = fixtureText('telegram/text_private.json');
    const tg = (s: string) => fetch(urls.telegramHook!, { method: 'POST', headers: { 'content-type': 'application/json', 'x-telegram-bot-api-secret-token': s }, body: update });
    expect((await tg(S.telegramWebhookSecret)).status).toBe(200);
    expect((await tg(`${S.telegramWebhookSecret}x`)).status).toBe(401);
    const tgConversation = await conversationOf(inboxIds.telegram!);
    const ok = await agent.post(`/api/v1/conversations/${tgConversation.id}/messages`, { text: 'Hello from the desk' });
    await messageOf(tgConversation.id, ok.body.id, 'sent');
    stack.telegram.failNext('sendMessage', 401, { ok: false, error_code: 401, description: `Unauthorized: bot token ${S.botToken} is invalid` });
    const bad = await agent.post(`/api/v1/conversations/${tgConversation.id}/messages`, { text: 'This one fails' });
    await messageOf(tgConversation.id, bad.body.id, 'failed');

    // web chat: a signed-in visitor's session, a message, and the socket with its token in the URL
    const base = `${stack.urls.webchat}/webchat/${inboxIds.webchat}`;
    const identity = { userId: 'user-42', signature: signUserId('user-42', S.identitySecret) };
    const session = await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ name: 'Ada', identity }) });
    expect(session.status).toBe(201);
    const { token: visitorToken } = (await session.json()) as { token: string };
    seen.visitorToken = visitorToken;
    const socket = new WebSocket(`${base.replace('http', 'ws')}/socket?token=${encodeURIComponent(visitorToken)}`);
    const frames: { type: string }[] = [];
    socket.on('message', (data) => frames.push(JSON.parse(String(data))));
    await waitFor(() => frames.some((f) => f.type === 'ready'), { what: 'the socket to be ready' });
    const sent = await fetch(`${base}/messages`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${visitorToken}` }, body: JSON.stringify({ clientMessageId: 'c-1', text: 'Hi', name: 'Ada' }) });
    expect(sent.status).toBe(202);
    const forged = await fetch(`${base}/sessions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ identity: { userId: 'user-42', signature: '00'.repeat(32) } }) });
    expect(forged.status).toBe(401);
    await conversationOf(inboxIds.webchat!);
    socket.close();

    // WhatsApp and Messenger: handshakes with the verify token in the URL, signed and forged webhooks
    const wa = `${urls.whatsapp}/webhooks/whatsapp/${inboxIds.whatsapp}`;
    expect((await fetch(`${wa}?hub.mode=subscribe&hub.verify_token=${S.whatsappVerifyToken}&hub.challenge=7`)).status).toBe(200);
    const waBody = fixtureText('whatsapp/text.json').split('"1697043223"').join(`"${Math.floor(Date.now() / 1000)}"`);
    expect((await fetch(wa, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(waBody, S.whatsappAppSecret) }, body: waBody })).status).toBe(200);
    expect((await fetch(wa, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(waBody, 'wrong') }, body: waBody })).status).toBe(401);
    const waConversation = await conversationOf(inboxIds.whatsapp!);
    const waReply = await agent.post(`/api/v1/conversations/${waConversation.id}/messages`, { text: 'WhatsApp reply' });
    await messageOf(waConversation.id, waReply.body.id, 'sent');

    const fb = `${urls.meta}/webhooks/messenger/${inboxIds.messenger}`;
    expect((await fetch(`${fb}?hub.mode=subscribe&hub.verify_token=${S.messengerVerifyToken}&hub.challenge=9`)).status).toBe(200);
    const fbBody = JSON.stringify({ object: 'page', entry: [{ id: PAGE_ID, time: Date.now(), messaging: [{ sender: { id: '5678' }, recipient: { id: PAGE_ID }, timestamp: Date.now(), message: { mid: 'm_sec_1', text: 'hi page' } }] }] });
    expect((await fetch(fb, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(fbBody, S.messengerAppSecret) }, body: fbBody })).status).toBe(200);
    expect((await fetch(fb, { method: 'POST', headers: { 'content-type': 'application/json', 'x-hub-signature-256': hubSignature(fbBody, 'wrong') }, body: fbBody })).status).toBe(401);
    const fbConversation = await conversationOf(inboxIds.messenger!);
    const fbReply = await agent.post(`/api/v1/conversations/${fbConversation.id}/messages`, { text: 'Messenger reply' });
    await messageOf(fbConversation.id, fbReply.body.id, 'sent');

    // SMS: a Twilio webhook signed with the auth token, a forged one, a reply, and a gateway message
    const twilioUrl = `${urls.sms}/webhooks/sms/${inboxIds.twilio}`;
    const params = { MessageSid: 'SM00000000000000000000000000000001', AccountSid: ACCOUNT_SID, From: '+14133881111', To: '+12028831111', Body: 'sms hi' };
    const form = new URLSearchParams(params).toString();
    const postTwilio = (token: string) => fetch(twilioUrl, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature(token, twilioUrl, params) }, body: form });
    expect((await postTwilio(S.twilioAuthToken)).status).toBe(200);
    expect((await postTwilio('not-the-auth-token')).status).toBe(401);
    const smsConversation = await conversationOf(inboxIds.twilio!);
    const smsReply = await agent.post(`/api/v1/conversations/${smsConversation.id}/messages`, { text: 'SMS reply' });
    await messageOf(smsConversation.id, smsReply.body.id, 'sent');
    // a vendor error that echoes the credential back: inbox secrets are registered when decrypted, so it is scrubbed
    twilio.failNext(401, { code: 20003, message: `Authenticate: token ${S.twilioAuthToken} rejected`, more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
    const smsBad = await agent.post(`/api/v1/conversations/${smsConversation.id}/messages`, { text: 'SMS fails' });
    await messageOf(smsConversation.id, smsBad.body.id, 'failed');

    const gatewayUrl = `${urls.sms}/webhooks/sms/${inboxIds.gateway}`;
    const gwBody = JSON.stringify({ id: 'gw-sec-1', from: '+19162255887', to: '+15550009999', text: 'gateway hi' });
    const ts = String(Math.floor(Date.now() / 1000));
    expect((await fetch(gatewayUrl, { method: 'POST', headers: { 'content-type': 'application/json', 'x-timestamp': ts, 'x-signature': gatewaySignature(S.gatewaySigningSecret, ts, gwBody) }, body: gwBody })).status).toBe(200);
    const gwConversation = await conversationOf(inboxIds.gateway!);
    const gwReply = await agent.post(`/api/v1/conversations/${gwConversation.id}/messages`, { text: 'Gateway reply' });
    await messageOf(gwConversation.id, gwReply.body.id, 'sent');

    // the API: a webhook subscription with its secret, a bad token, and the event stream with the token in the URL
    expect((await admin.post('/api/v1/webhooks', { url: 'http://127.0.0.1:9/hook', secret: S.webhookSubscriptionSecret })).status).toBe(201);
    expect((await apiClient(stack.urls.api, `${agentToken}x`).get('/api/v1/me')).status).toBe(401);
    const events = new AbortController();
    const stream = await fetch(`${stack.urls.api}/api/v1/events?access_token=${encodeURIComponent(agentToken)}`, { signal: events.signal });
    expect(stream.status).toBe(200);
    events.abort();

    // the email poller has tried (and failed) to log in with the inbox's password
    await waitFor(() => lines.some((l) => l.includes(inboxIds.email!)), { what: 'the email poller to log about its inbox' });
  }, 60_000);

  it('never writes a configured secret to the logs, in any encoding', () => {
    const all = { ...S, ...seen, agentToken, adminToken: ADMIN_TOKEN, secretKeyBase64: SECRET_KEY.toString('base64'), secretKeyHex: SECRET_KEY.toString('hex') };
    expect(lines.length).toBeGreaterThan(200);
    // the run did log the requests that carried the secrets (so a clean scan means something)
    expect(lines.some((l) => l.includes('/socket?token=[redacted]'))).toBe(true);
    const leaks: string[] = [];
    for (const [name, value] of Object.entries(all)) {
      for (const form of formsOf(value)) {
        const hit = lines.find((l) => l.includes(form));
        if (hit) leaks.push(`${name}: ${hit.slice(0, 300)}`);
      }
    }
    expect(leaks).toEqual([]);
  });
});
