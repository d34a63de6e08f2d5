import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { startFakeSmsGateway, startFakeTwilio, type FakeSmsGateway, type FakeTwilio } from '@switchboard/testkit';
import type { InboxContext, OutboundFile, OutboundMessage } from '../contract.ts';
import { createSmsSender } from './send.ts';

const accountSid = 'AC00000000000000000000000000000001';
const authToken = 'twilio-auth-token-1';
const twilioInbox = (config: Record<string, unknown> = {}): InboxContext => ({
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c',
  channel: 'sms',
  config: { provider: 'twilio', accountSid, from: '+12028831111', ...config },
  secrets: { authToken },
});
const gatewayInbox = (sendUrl: string, config: Record<string, unknown> = {}): InboxContext => ({
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5d',
  channel: 'sms',
  config: { provider: 'gateway', sendUrl, from: 'Support', ...config },
  secrets: { signingSecret: 'gateway-signing-secret-0123456789', sendToken: 'gw-send-token' },
});
let seq = 0;
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => {
  seq += 1;
  const to = `+1555000${String(1000 + seq)}`;
  return { messageId: `3f0c1d2e-0000-4000-8000-00000000${String(1000 + seq)}`, conversationId: '3f0c1d2e-0000-4000-8000-000000000002', recipientExternalId: to, threadExternalId: to, text: 'Hello from support', ...overrides };
};
const pdf: OutboundFile = { kind: 'document', fileName: 'invoice.pdf', contentType: 'application/pdf', size: 3, blobKey: 'a'.repeat(64), read: async () => Buffer.from('pdf') };

let twilio: FakeTwilio;
let gateway: FakeSmsGateway;
beforeAll(async () => {
  twilio = await startFakeTwilio();
  twilio.addAccount(accountSid, authToken);
  gateway = await startFakeSmsGateway({ token: 'gw-send-token' });
});
afterAll(async () => {
  await twilio.close();
  await gateway.close();
});

describe('the SMS sender through Twilio', () => {
  const send = () => createSmsSender({ apiRoot: twilio.apiRoot });

  it('POSTs To, From, Body and StatusCallback form-encoded with basic auth; the sid is the external id', async () => {
    const msg = message();
    const result = await send()(msg, twilioInbox({ statusCallbackUrl: 'https://hooks.example.com/webhooks/sms/x' }));
    const call = await twilio.waitForCall((c) => c.params.To === msg.recipientExternalId);
    expect(call.accountSid).toBe(accountSid);
    expect(call.auth).toEqual({ user: accountSid, password: authToken });
    expect(call.params).toEqual({ To: msg.recipientExternalId, From: '+12028831111', Body: 'Hello from support', StatusCallback: 'https://hooks.example.com/webhooks/sms/x' });
    expect(result.externalMessageId).toBe(call.sid);
  });

  it('asks Twilio to report status to our webhook for the inbox when the inbox names no callback of its own', async () => {
    const msg = message();
    const inbox = twilioInbox();
    await createSmsSender({ apiRoot: twilio.apiRoot, statusCallbackBase: 'https://sms.example.com/' })(msg, inbox);
    const call = await twilio.waitForCall((c) => c.params.To === msg.recipientExternalId);
    expect(call.params.StatusCallback).toBe(`https://sms.example.com/webhooks/sms/${inbox.id}`);
  });

  it('sends from a messaging service sid, and to a WhatsApp address from the whatsapp: sender', async () => {
    const service = 'MG0123456789abcdef0123456789abcdef';
    const a = message();
    await send()(a, twilioInbox({ from: service }));
    expect((await twilio.waitForCall((c) => c.params.To === a.recipientExternalId)).params).toMatchObject({ MessagingServiceSid: service });
    const b = message({ recipientExternalId: 'whatsapp:+886123456789' });
    await send()(b, twilioInbox());
    expect((await twilio.waitForCall((c) => c.params.To === 'whatsapp:+886123456789')).params.From).toBe('whatsapp:+12028831111');
  });

  it('splits a text over 1600 characters into messages in order and returns the last sid', async () => {
    const msg = message({ text: `${'a'.repeat(1500)} ${'b'.repeat(500)}` });
    const result = await send()(msg, twilioInbox());
    const calls = twilio.calls.filter((c) => c.params.To === msg.recipientExternalId);
    expect(calls.map((c) => String(c.params.Body).length)).toEqual([1501, 500]);
    expect(result.externalMessageId).toBe(calls[1]!.sid);
  });

  it('names files it cannot link instead of sending them; links them when a public URL exists', async () => {
    const a = message({ files: [pdf] });
    await send()(a, twilioInbox());
    expect((await twilio.waitForCall((c) => c.params.To === a.recipientExternalId)).params.Body).toBe('Hello from support\n\n[not sent by SMS: invoice.pdf]');
    const b = message({ text: null, files: [pdf, pdf] });
    await createSmsSender({ apiRoot: twilio.apiRoot, mediaUrlFor: (f) => `https://files.example.com/${f.blobKey}` })(b, twilioInbox());
    const call = await twilio.waitForCall((c) => c.params.To === b.recipientExternalId);
    expect(call.params.MediaUrl).toEqual([`https://files.example.com/${'a'.repeat(64)}`, `https://files.example.com/${'a'.repeat(64)}`]);
    expect(call.params.Body).toBeUndefined();
    await expect(send()(message({ text: null, files: [pdf] }), twilioInbox())).rejects.toMatchObject({ code: 'media_not_supported' });
  });

  it('maps 21610 (STOP) to recipient_blocked, 21211 to a permanent error, 20429 to a wait, 5xx to a retry', async () => {
    twilio.failNext(400, { code: 21610, message: 'Attempt to send to unsubscribed recipient', status: 400 });
    const stop = await send()(message(), twilioInbox()).catch((e: unknown) => e);
    expect(stop).toBeInstanceOf(PermanentError);
    expect(stop).toMatchObject({ code: 'recipient_blocked', message: expect.stringContaining('21610') });
    twilio.failNext(400, { code: 21211, message: "The 'To' number is not a valid phone number.", status: 400 });
    await expect(send()(message(), twilioInbox())).rejects.toMatchObject({ code: 'twilio_21211' });
    twilio.failNext(429, { code: 20429, message: 'Too Many Requests', status: 429 }, { 'retry-after': '2' });
    const limited = await send()(message(), twilioInbox()).catch((e: unknown) => e);
    expect(limited).toBeInstanceOf(RateLimitedError);
    expect(limited).toMatchObject({ retryAfterMs: 2_000 });
    twilio.failNext(503, 'Service Unavailable');
    await expect(send()(message(), twilioInbox())).rejects.toBeInstanceOf(RetryableError);
  });

  it('fails on wrong credentials as channel_auth_failed and on an unreachable API as retryable', async () => {
    await expect(send()(message(), { ...twilioInbox(), secrets: { authToken: 'not-the-token' } })).rejects.toMatchObject({ code: 'channel_auth_failed' });
    await expect(createSmsSender({ apiRoot: 'http://127.0.0.1:1' })(message(), twilioInbox())).rejects.toMatchObject({ code: 'network_error' });
  });
});

describe('the SMS sender through a generic gateway', () => {
  const send = createSmsSender();

  it('POSTs {to, text, from, id} with the bearer token; the gateway id is the external id', async () => {
    const msg = message();
    const result = await send(msg, gatewayInbox(gateway.sendUrl));
    const call = await gateway.waitForCall((c) => c.body.to === msg.recipientExternalId);
    expect(call.authorization).toBe('Bearer gw-send-token');
    expect(call.body).toEqual({ id: msg.messageId, to: msg.recipientExternalId, text: 'Hello from support', from: 'Support' });
    expect(result.externalMessageId).toBe(call.id);
  });

  it('speaks the Android SMS gateway app format with basic auth when configured', async () => {
    const msg = message();
    await send(msg, { ...gatewayInbox(gateway.sendUrl, { sendFormat: 'android-sms-gateway' }), secrets: { signingSecret: 'gateway-signing-secret-0123456789', sendToken: 'user:pa:ss' } }).catch(() => undefined);
    const call = await gateway.waitForCall((c) => Array.isArray(c.body.phoneNumbers) && c.body.phoneNumbers[0] === msg.recipientExternalId);
    expect(call.authorization).toBe(`Basic ${Buffer.from('user:pa:ss').toString('base64')}`);
    expect(call.body).toEqual({ id: msg.messageId, textMessage: { text: 'Hello from support' }, phoneNumbers: [msg.recipientExternalId] });
  });

  it('429 waits Retry-After, 5xx retries, other 4xx are permanent', async () => {
    gateway.failNext(429, { error: 'slow down' }, { 'retry-after': '4' });
    await expect(send(message(), gatewayInbox(gateway.sendUrl))).rejects.toMatchObject({ code: 'rate_limited', retryAfterMs: 4_000 });
    gateway.failNext(502, 'bad gateway');
    await expect(send(message(), gatewayInbox(gateway.sendUrl))).rejects.toBeInstanceOf(RetryableError);
    gateway.failNext(400, { error: 'invalid number' });
    await expect(send(message(), gatewayInbox(gateway.sendUrl))).rejects.toMatchObject({ code: 'gateway_400' });
  });

  it('refuses an inbox whose config names no provider', async () => {
    await expect(send(message(), { ...twilioInbox(), config: { from: '+1' } })).rejects.toMatchObject({ code: 'inbox_misconfigured' });
  });
});
