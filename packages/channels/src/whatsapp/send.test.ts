import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError } from '@switchboard/errors';
import { startFakeWhatsApp, type FakeWhatsApp } from '@switchboard/testkit';
import type { InboxContext, OutboundFile, OutboundMessage, Sender } from '../contract.ts';
import { createWhatsAppSender } from './send.ts';

const inbox: InboxContext = {
  id: '6f1d2f3a-4b5c-4c57-9a52-0b6c8f5e3f0a',
  channel: 'whatsapp',
  config: { phoneNumberId: '1122334455667', apiVersion: 'v21.0' },
  secrets: { accessToken: 'EAAG-test-token', appSecret: 's', verifyToken: 'v' },
};
let seq = 0;
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => ({
  messageId: '00000000-0000-4000-8000-000000000001',
  conversationId: '00000000-0000-4000-8000-000000000002',
  recipientExternalId: `97298765${String(++seq).padStart(4, '0')}`,
  threadExternalId: 'unused',
  text: 'Hello from support',
  ...overrides,
});
const file = (fileName: string, contentType: string, bytes: Buffer): OutboundFile => ({
  kind: 'other', fileName, contentType, size: bytes.length, blobKey: 'k', read: async () => bytes,
});

let fake: FakeWhatsApp;
let send: Sender;
const messagesTo = (to: string) => fake.calls.filter((c) => c.route === 'messages' && (c.body.to === to || c.body.recipient === to));

beforeAll(async () => {
  fake = await startFakeWhatsApp();
  send = createWhatsAppSender({ apiRoot: fake.apiRoot });
});
afterAll(async () => {
  await fake.close();
});

describe('createWhatsAppSender against a fake Cloud API', () => {
  it('sends text to the phone number with the bearer token and returns messages[0].id', async () => {
    const msg = message({ replyToExternalId: 'wamid.customer1' });
    const result = await send(msg, inbox);
    const [call] = messagesTo(msg.recipientExternalId);
    expect(call).toMatchObject({ token: 'EAAG-test-token', version: 'v21.0', id: '1122334455667' });
    expect(call!.body).toEqual({
      messaging_product: 'whatsapp',
      recipient_type: 'individual',
      to: msg.recipientExternalId,
      context: { message_id: 'wamid.customer1' },
      type: 'text',
      text: { preview_url: false, body: 'Hello from support' },
    });
    expect(result.externalMessageId).toMatch(/^wamid\.FAKE\d+$/);
    expect(result.sentAt).toBeInstanceOf(Date);
  });

  it('sends to a user without a phone number by BSUID in `recipient`', async () => {
    const msg = message({ recipientExternalId: 'US.13491208655302741918' });
    await send(msg, inbox);
    const [call] = messagesTo('US.13491208655302741918');
    expect(call!.body).toMatchObject({ recipient: 'US.13491208655302741918', type: 'text' });
    expect(call!.body).not.toHaveProperty('to');
  });

  it('sends a template with its language and body parameters, and nothing else', async () => {
    const msg = message({ text: 'ignored free text', template: { name: 'order_update', language: 'en_US', parameters: ['Ada', '#42'] } });
    await send(msg, inbox);
    const calls = messagesTo(msg.recipientExternalId);
    expect(calls).toHaveLength(1);
    expect(calls[0]!.body).toMatchObject({
      type: 'template',
      template: { name: 'order_update', language: { code: 'en_US' }, components: [{ type: 'body', parameters: [{ type: 'text', text: 'Ada' }, { type: 'text', text: '#42' }] }] },
    });
  });

  it('uploads files then sends them by media id: a PNG as image, a PDF as document with its name', async () => {
    const png = Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII=', 'base64');
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const msg = message({ text: 'see attached', files: [file('shot.png', 'image/png', png), file('Счёт.pdf', 'application/pdf', pdf)] });
    const result = await send(msg, inbox);
    const uploads = fake.calls.filter((c) => c.route === 'media-upload').slice(-2);
    expect(uploads.map((c) => c.body)).toEqual([
      { messaging_product: 'whatsapp', type: 'image/png', file: expect.objectContaining({ filename: 'shot.png', size: png.length }) },
      { messaging_product: 'whatsapp', type: 'application/pdf', file: expect.objectContaining({ filename: 'Счёт.pdf', size: pdf.length }) },
    ]);
    const sent = messagesTo(msg.recipientExternalId).map((c) => c.body);
    expect(sent.map((b) => b.type)).toEqual(['text', 'image', 'document']);
    const imageId = (sent[1]!.image as { id: string }).id;
    expect(fake.uploaded(imageId)).toEqual(png);
    expect(sent[2]!.document).toEqual({ id: expect.any(String), filename: 'Счёт.pdf' });
    expect(result.externalMessageId).toMatch(/^wamid\.FAKE/);
  });

  it('splits a text over 4096 characters into ordered messages', async () => {
    const text = `${'word '.repeat(600)}\n`.repeat(3);
    const msg = message({ text });
    await send(msg, inbox);
    const bodies = messagesTo(msg.recipientExternalId).map((c) => (c.body.text as { body: string }).body);
    expect(bodies.length).toBeGreaterThan(1);
    expect(bodies.every((b) => b.length <= 4096)).toBe(true);
    expect(bodies.join('')).toBe(text);
  });

  it('131047 outside the window: PermanentError whatsapp_131047 telling the agent to send a template', async () => {
    fake.failNext('messages', 400, { error: { message: 'Re-engagement message', type: 'OAuthException', code: 131047, error_data: { messaging_product: 'whatsapp', details: 'Message failed to send because more than 24 hours have passed since the customer last replied to this number.' }, fbtrace_id: 'x' } });
    const error = await send(message(), inbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'whatsapp_131047', message: expect.stringMatching(/template/) });
  });

  it('130429 with Retry-After: RateLimitedError waiting that long', async () => {
    fake.failNext('messages', 429, { error: { message: 'Rate limit hit', code: 130429 } }, { 'retry-after': '3' });
    const error = await send(message(), inbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect(error).toMatchObject({ code: 'whatsapp_130429', retryAfterMs: 3_000 });
  });

  it('a 503 is retryable; a failed upload sends nothing', async () => {
    fake.failNext('messages', 503, '<html>unavailable</html>');
    await expect(send(message(), inbox)).rejects.toMatchObject({ code: 'upstream_503', retryable: true });
    fake.failNext('media-upload', 500, { error: { message: 'Something went wrong', code: 131000 } });
    const msg = message({ text: null, files: [file('a.pdf', 'application/pdf', Buffer.from('%PDF'))] });
    await expect(send(msg, inbox)).rejects.toMatchObject({ code: 'whatsapp_131000', retryable: true });
    expect(messagesTo(msg.recipientExternalId)).toHaveLength(0);
  });

  it('refuses an empty reply and a missing token without calling the API', async () => {
    const before = fake.calls.length;
    await expect(send(message({ text: null }), inbox)).rejects.toMatchObject({ code: 'empty_message' });
    await expect(send(message(), { ...inbox, secrets: {} })).rejects.toMatchObject({ code: 'channel_auth_failed' });
    expect(fake.calls.length).toBe(before);
  });

  it('classifies an unreachable API as a network error', async () => {
    const closed = await startFakeWhatsApp();
    await closed.close();
    await expect(createWhatsAppSender({ apiRoot: closed.apiRoot })(message(), inbox)).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });
});
