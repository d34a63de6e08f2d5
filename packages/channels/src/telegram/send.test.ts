import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RateLimitedError } from '@switchboard/errors';
import { startFakeTelegram, type FakeTelegram } from '@switchboard/testkit';
import type { InboxContext, OutboundMessage } from '../contract.ts';
import { fixtureJson } from '@switchboard/testkit';
import { createTelegramSender } from './send.ts';

/** An outbound file over `bytes`, as egress hands it to a sender. */
const file = (bytes: Buffer) => ({ size: bytes.length, blobKey: 'f'.repeat(64), read: async () => bytes });

const botToken = '123456:AAH-test_token';
const inbox: InboxContext = {
  id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c',
  channel: 'telegram',
  config: { mode: 'webhook' },
  secrets: { botToken, webhookSecret: 'SecretToken' },
};
let chatSeq = 218485600;
/** A fresh chat per test, so message ids and failures of one test never leak into another. */
const message = (overrides: Partial<OutboundMessage> = {}): OutboundMessage => {
  const chat = String(chatSeq++);
  return {
    messageId: '3f0c1d2e-0000-4000-8000-000000000001',
    conversationId: '3f0c1d2e-0000-4000-8000-000000000002',
    recipientExternalId: chat,
    threadExternalId: chat,
    text: 'Hello from support',
    ...overrides,
  };
};

let fake: FakeTelegram;
let send: ReturnType<typeof createTelegramSender>;
beforeAll(async () => {
  fake = await startFakeTelegram();
  send = createTelegramSender({ apiRoot: fake.apiRoot });
});
afterAll(async () => {
  await fake.close();
});

const callsTo = (chat: string) => fake.calls.filter((c) => c.method === 'sendMessage' && String(c.params.chat_id) === chat);

describe('createTelegramSender against a fake Bot API', () => {
  it('calls sendMessage with the chat id, text and reply parameters', async () => {
    const msg = message();
    const result = await send({ ...msg, replyToExternalId: `${msg.recipientExternalId}:6557` }, inbox);
    const call = await fake.waitForCall('sendMessage', (c) => c.params.chat_id === msg.recipientExternalId);
    expect(call.token).toBe(botToken);
    expect(call.params).toEqual({
      chat_id: msg.recipientExternalId,
      text: 'Hello from support',
      reply_parameters: { message_id: 6557, allow_sending_without_reply: true },
    });
    expect(result.externalMessageId).toBe(`${msg.recipientExternalId}:1000`);
    expect(Math.abs(result.sentAt.getTime() - Date.now())).toBeLessThan(5_000);
  });

  it('sends the text, then a PNG as a photo and a PDF as a document; only the first answers the customer', async () => {
    const png = Buffer.alloc(2048, 1);
    const pdf = Buffer.from('%PDF-1.4\n%%EOF\n');
    const msg = message({ text: 'Here are the files', files: [
      { kind: 'image', fileName: 'screen.png', contentType: 'image/png', ...file(png) },
      { kind: 'document', fileName: 'Счёт.pdf', contentType: 'application/pdf', ...file(pdf) },
    ] });
    const result = await send({ ...msg, replyToExternalId: `${msg.recipientExternalId}:77` }, inbox);
    const ofChat = fake.calls.filter((c) => String(c.params.chat_id) === msg.recipientExternalId);
    expect(ofChat.map((c) => c.method)).toEqual(['sendMessage', 'sendPhoto', 'sendDocument']);
    expect(ofChat[0]!.params.reply_parameters).toEqual({ message_id: 77, allow_sending_without_reply: true });
    expect(ofChat[1]!.params).toEqual({ chat_id: msg.recipientExternalId, photo: { filename: 'screen.png', size: png.length } });
    expect(ofChat[2]!.params).toEqual({ chat_id: msg.recipientExternalId, document: { filename: 'Счёт.pdf', size: pdf.length } });
    expect(result.externalMessageId).toBe(`${msg.recipientExternalId}:1002`);
  });

  it('sends a files-only reply; a GIF goes as a document so Telegram keeps it byte for byte', async () => {
    const msg = message({ text: null, files: [{ kind: 'image', fileName: 'a.gif', contentType: 'image/gif', ...file(Buffer.from('GIF89a')) }] });
    const result = await send(msg, inbox);
    const ofChat = fake.calls.filter((c) => String(c.params.chat_id) === msg.recipientExternalId);
    expect(ofChat.map((c) => c.method)).toEqual(['sendDocument']);
    expect(result.externalMessageId).toBe(`${msg.recipientExternalId}:1000`);
  });

  it('omits reply parameters for a message of another chat', async () => {
    const msg = message({ replyToExternalId: '999:12' });
    await send(msg, inbox);
    expect(callsTo(msg.recipientExternalId)[0]?.params).not.toHaveProperty('reply_parameters');
  });

  it('splits a text over 4096 characters into ordered messages and returns the last id', async () => {
    const paragraph = `${'word '.repeat(600)}\n`; // 3001 characters
    const text = paragraph.repeat(3);
    const msg = message({ text, replyToExternalId: undefined });
    const result = await send(msg, inbox);
    const sent = callsTo(msg.recipientExternalId).map((c) => String(c.params.text));
    expect(sent.length).toBeGreaterThan(1);
    expect(sent.every((t) => t.length <= 4096)).toBe(true);
    expect(sent.join('')).toBe(text);
    expect(result.externalMessageId).toBe(`${msg.recipientExternalId}:${1000 + sent.length - 1}`);
  });

  it('maps 429 to RateLimitedError with retry_after (outbound_error_429_retry_after.json)', async () => {
    fake.failNext('sendMessage', 429, fixtureJson('telegram/outbound_error_429_retry_after.json'));
    const error = await send(message(), inbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RateLimitedError);
    expect((error as RateLimitedError).retryAfterMs).toBe(30_000);
  });

  it('maps 403 blocked to PermanentError recipient_blocked (outbound_error_403_bot_blocked.json)', async () => {
    fake.failNext('sendMessage', 403, fixtureJson('telegram/outbound_error_403_bot_blocked.json'));
    const error = await send(message(), inbox).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).code).toBe('recipient_blocked');
  });

  it('maps a 502 (telegraf drops the body) to a retryable error', async () => {
    fake.failNext('sendMessage', 502, '<html>Bad Gateway</html>');
    const error = await send(message(), inbox).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'upstream_502', retryable: true });
  });

  it('gives up on a call the API never answers after timeoutMs, as a retryable network error', async () => {
    const quick = createTelegramSender({ apiRoot: fake.apiRoot, timeoutMs: 200 });
    const msg = message();
    fake.hangNext('sendMessage', (call) => String(call.params.chat_id) === msg.recipientExternalId);
    await expect(quick(msg, inbox)).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });

  it('rejects an empty text and a missing token without calling the API', async () => {
    const before = fake.calls.length;
    await expect(send(message({ text: null }), inbox)).rejects.toMatchObject({ code: 'empty_message' });
    await expect(send(message(), { ...inbox, secrets: {} })).rejects.toMatchObject({ code: 'channel_auth_failed' });
    expect(fake.calls.length).toBe(before);
  });

  it('classifies an unreachable API as a network error', async () => {
    const closed = await startFakeTelegram();
    await closed.close();
    const offline = createTelegramSender({ apiRoot: closed.apiRoot });
    await expect(offline(message(), inbox)).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });
});
