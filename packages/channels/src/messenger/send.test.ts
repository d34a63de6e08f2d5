import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { startFakeMetaSend, type FakeMetaSend } from '@switchboard/testkit';
import type { InboxContext, OutboundMessage } from '../contract.ts';
import { createInstagramSender } from '../instagram/send.ts';
import { createMessengerSender } from './send.ts';

const inbox: InboxContext = {
  id: '5b1f0c4e-8a2d-4c1e-9f3a-0d6e7b8c9a01',
  channel: 'messenger',
  config: { pageId: '1234567890' },
  secrets: { pageAccessToken: 'EAAB-page-token', appSecret: 'app-secret', verifyToken: 'verify-token' },
};
let psid = 5600;
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => {
  const recipient = String(psid++);
  return { messageId: '3f0c1d2e-0000-4000-8000-000000000001', conversationId: '3f0c1d2e-0000-4000-8000-000000000002', recipientExternalId: recipient, threadExternalId: recipient, text: 'Hello from support', ...overrides };
};
const file = (bytes: Buffer, over: object = {}) => ({ kind: 'image' as const, fileName: 'shot.png', contentType: 'image/png', size: bytes.length, blobKey: 'b'.repeat(64), read: async () => bytes, ...over });

let fake: FakeMetaSend;
beforeAll(async () => {
  fake = await startFakeMetaSend();
});
afterAll(async () => {
  await fake.close();
});

describe('createMessengerSender against a fake Send API', () => {
  it('posts recipient, RESPONSE and the text with the page token and returns the message_id', async () => {
    const send = createMessengerSender({ apiRoot: fake.apiRoot });
    const msg = message();
    const result = await send(msg, inbox);
    const call = await fake.waitForCall((c) => c.recipientId === msg.recipientExternalId);
    expect(call).toMatchObject({ version: 'v23.0', account: 'me', token: 'EAAB-page-token', messagingType: 'RESPONSE', message: { text: 'Hello from support' } });
    expect(result.externalMessageId).toBe(call.messageId);
  });

  it('splits a text over 2000 characters and uploads each file as filedata', async () => {
    const send = createMessengerSender({ apiRoot: fake.apiRoot });
    const png = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 1, 2, 255]);
    const msg = message({ text: `${'a'.repeat(1500)} ${'b'.repeat(1000)}`, files: [file(png), file(Buffer.from('%PDF-1.4'), { kind: 'document', fileName: 'invoice.pdf', contentType: 'application/pdf' })] });
    const result = await send(msg, inbox);
    const calls = fake.calls.filter((c) => c.recipientId === msg.recipientExternalId);
    expect(calls.map((c) => (c.message.text as string | undefined)?.length ?? (c.message.attachment as { type: string }).type)).toEqual([1501, 1000, 'image', 'file']);
    expect(calls[2]?.file).toMatchObject({ fileName: 'shot.png', contentType: 'image/png', size: png.length });
    expect(calls[2]?.file?.bytes.equals(png)).toBe(true);
    expect(calls[3]?.file).toMatchObject({ fileName: 'invoice.pdf', contentType: 'application/pdf' });
    expect(result.externalMessageId).toBe(calls[3]?.messageId);
  });

  it('sends Instagram replies in 1000-character parts', async () => {
    const send = createInstagramSender({ apiRoot: fake.apiRoot });
    const msg = message({ text: 'x'.repeat(1500) });
    await send(msg, { ...inbox, channel: 'instagram', config: { igUserId: '17841400000000000' } });
    expect(fake.calls.filter((c) => c.recipientId === msg.recipientExternalId).map((c) => (c.message.text as string).length)).toEqual([1000, 500]);
  });

  it('throws the classified Graph error: window closed, rate limit with Retry-After, 5xx', async () => {
    const send = createMessengerSender({ apiRoot: fake.apiRoot });
    fake.failNext(400, { error: { message: 'This message is sent outside of allowed window.', type: 'OAuthException', code: 10, error_subcode: 2018278, fbtrace_id: 'x' } });
    await expect(send(message(), inbox)).rejects.toMatchObject({ constructor: PermanentError, code: 'messenger_10_2018278' });
    fake.failNext(429, { error: { message: 'Calls to this api have exceeded the rate limit.', code: 613 } }, { 'retry-after': '12' });
    await expect(send(message(), inbox)).rejects.toMatchObject({ constructor: RateLimitedError, retryAfterMs: 12_000 });
    fake.failNext(503, 'upstream down');
    await expect(send(message(), inbox)).rejects.toMatchObject({ constructor: RetryableError, code: 'messenger_http_503' });
  });

  it('refuses an inbox without a token and an empty reply before calling Meta', async () => {
    const send = createMessengerSender({ apiRoot: fake.apiRoot });
    const before = fake.calls.length;
    await expect(send(message(), { ...inbox, secrets: {} })).rejects.toMatchObject({ code: 'channel_auth_failed' });
    await expect(send(message({ text: '  ' }), inbox)).rejects.toMatchObject({ code: 'empty_message' });
    expect(fake.calls.length).toBe(before);
  });

  it('retries when the Graph API is unreachable', async () => {
    const send = createMessengerSender({ apiRoot: 'http://127.0.0.1:9' });
    await expect(send(message(), inbox)).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });
});
