import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@switchboard/errors';
import { fixtureJson, startFakeTelegram, type FakeTelegram } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { createTelegramMediaFetcher, TELEGRAM_MAX_DOWNLOAD_BYTES } from './media.ts';
import { normalizeTelegramUpdate } from './normalize.ts';

const botToken = '123456:AAH-media_token';
const inbox: InboxContext = { id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c', channel: 'telegram', config: { mode: 'webhook' }, secrets: { botToken } };
const MB = 1024 * 1024;
let fake: FakeTelegram;
let fetchMedia: ReturnType<typeof createTelegramMediaFetcher>;

beforeAll(async () => {
  fake = await startFakeTelegram();
  fetchMedia = createTelegramMediaFetcher({ apiRoot: fake.apiRoot, timeoutMs: 5_000 });
});
afterAll(() => fake.close());

/** The attachments of a fixture update as the normalizer hands them to the media worker. */
const attachmentsOf = (fixture: string) => normalizeTelegramUpdate(fixtureJson(fixture), inbox, new Date())[0]!.content.attachments;

describe('createTelegramMediaFetcher', () => {
  it('downloads the largest photo of a message by its file_id through getFile and the file path', async () => {
    const [photo] = attachmentsOf('telegram/photo_caption_entities.json');
    const bytes = Buffer.from('\xff\xd8\xff\xe0 a jpeg', 'latin1');
    fake.addFile(bytes, { fileId: photo!.externalId!, fileName: 'file_7.jpg', contentType: 'image/jpeg' });

    const media = await fetchMedia({ externalId: photo!.externalId! }, inbox, { maxBytes: 10 * MB });
    expect(media.bytes.equals(bytes)).toBe(true);
    expect(media).toMatchObject({ contentType: 'image/jpeg', fileName: 'file_7.jpg' });
    expect(fake.calls.at(-1)).toMatchObject({ token: botToken, method: 'getFile', params: { file_id: photo!.externalId } });
    expect(fake.downloads.at(-1)).toBe(`${botToken} photos/file_7.jpg`);
  });

  it('keeps the document’s own name and type', async () => {
    const [doc] = attachmentsOf('telegram/courier_document.json');
    fake.addFile(Buffer.from('xls bytes'), { fileId: doc!.externalId!, fileName: 'file_3.xls' });
    const media = await fetchMedia({ externalId: doc!.externalId!, mimeType: doc!.mimeType!, fileName: doc!.fileName! }, inbox, { maxBytes: 10 * MB });
    expect(media).toMatchObject({ contentType: 'application/vnd.ms-excel', fileName: 'TabFig2015prel.xls' });
  });

  it('refuses a file over the store’s limit before downloading it', async () => {
    const fileId = fake.addFile(Buffer.alloc(2048, 1));
    const before = fake.downloads.length;
    const error = await fetchMedia({ externalId: fileId }, inbox, { maxBytes: 1024 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'attachment_too_large' });
    expect(fake.downloads.length).toBe(before);
  });

  it('treats the Bot API’s 20 MB download limit as too large, not as a failure to retry', async () => {
    const fileId = fake.addFile(Buffer.alloc(TELEGRAM_MAX_DOWNLOAD_BYTES + 1));
    const error = await fetchMedia({ externalId: fileId }, inbox, { maxBytes: 50 * MB }).catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'attachment_too_large' });
  });

  it('retries a 5xx of the Bot API, and never puts the bot token in the error', async () => {
    const fileId = fake.addFile(Buffer.from('later'));
    fake.failNext('getFile', 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const error = await fetchMedia({ externalId: fileId }, inbox, { maxBytes: MB }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RetryableError);
    expect(JSON.stringify({ message: (error as Error).message, stack: (error as Error).stack })).not.toContain(botToken.split(':')[1]);
    const media = await fetchMedia({ externalId: fileId }, inbox, { maxBytes: MB });
    expect(media.bytes.toString()).toBe('later');
  });

  it('gives up on a file_id the Bot API does not know', async () => {
    const error = await fetchMedia({ externalId: 'no-such-file' }, inbox, { maxBytes: MB }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
  });
});
