import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError } from '@switchboard/errors';
import { fixtureJson, startFakeWhatsApp, type FakeWhatsApp } from '@switchboard/testkit';
import type { InboxContext, MediaFetcher } from '../contract.ts';
import { createWhatsAppMediaFetcher } from './media.ts';

const inbox: InboxContext = {
  id: '6f1d2f3a-4b5c-4c57-9a52-0b6c8f5e3f0a',
  channel: 'whatsapp',
  config: { phoneNumberId: '1122334455667', apiVersion: 'v21.0' },
  secrets: { accessToken: 'EAAG-media-token', appSecret: 's', verifyToken: 'v' },
};
// image.json: media id 65463453, image/jpeg
const imageId = (fixtureJson('whatsapp/image.json') as { entry: { changes: { value: { messages: { image: { id: string } }[] } }[] }[] }).entry[0]!.changes[0]!.value.messages[0]!.image.id;
const jpeg = Buffer.concat([Buffer.from([0xff, 0xd8, 0xff, 0xe0]), Buffer.alloc(2048, 7)]);

let fake: FakeWhatsApp;
let fetchMedia: MediaFetcher;

beforeAll(async () => {
  fake = await startFakeWhatsApp();
  fetchMedia = createWhatsAppMediaFetcher({ apiRoot: fake.apiRoot });
});
afterAll(async () => {
  await fake.close();
});

describe('createWhatsAppMediaFetcher against a fake Cloud API', () => {
  it('looks up the media id, then downloads the URL with the bearer token (image.json)', async () => {
    expect(imageId).toBe('65463453');
    fake.serveMedia(imageId, jpeg, 'image/jpeg');
    const media = await fetchMedia({ externalId: imageId, mimeType: 'image/jpeg' }, inbox, { maxBytes: 1_000_000 });
    expect(media).toEqual({ bytes: jpeg, contentType: 'image/jpeg' });
    const info = await fake.waitForCall('media-info', (c) => c.id === imageId);
    expect(info).toMatchObject({ token: 'EAAG-media-token', version: 'v21.0', query: { phone_number_id: '1122334455667' } });
    expect((await fake.waitForCall('media-download', (c) => c.id === imageId)).token).toBe('EAAG-media-token');
  });

  it('refuses a file announced over maxBytes before downloading it', async () => {
    fake.serveMedia('big-1', Buffer.alloc(10), 'video/mp4', { fileSize: 50_000_000 });
    const error = await fetchMedia({ externalId: 'big-1' }, inbox, { maxBytes: 1_000_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect(error).toMatchObject({ code: 'attachment_too_large' });
    expect(fake.calls.some((c) => c.route === 'media-download' && c.id === 'big-1')).toBe(false);
  });

  it('refuses a download that turns out larger than announced', async () => {
    fake.serveMedia('liar-1', Buffer.alloc(4096, 1), 'application/pdf', { fileSize: 10 });
    await expect(fetchMedia({ externalId: 'liar-1' }, inbox, { maxBytes: 1000 })).rejects.toMatchObject({ code: 'attachment_too_large' });
  });

  it('retries a 5xx and gives up on an unknown media id', async () => {
    fake.serveMedia('flaky-1', jpeg, 'image/jpeg');
    fake.failNext('media-download', 502, 'Bad Gateway');
    await expect(fetchMedia({ externalId: 'flaky-1' }, inbox, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'upstream_502', retryable: true });
    await expect(fetchMedia({ externalId: 'flaky-1' }, inbox, { maxBytes: 1_000_000 })).resolves.toMatchObject({ bytes: jpeg });
    await expect(fetchMedia({ externalId: 'gone-1' }, inbox, { maxBytes: 1_000_000 })).rejects.toMatchObject({ code: 'whatsapp_100', retryable: false });
  });

  it('is retryable when the API is unreachable', async () => {
    const closed = await startFakeWhatsApp();
    await closed.close();
    await expect(createWhatsAppMediaFetcher({ apiRoot: closed.apiRoot })({ externalId: '1' }, inbox, { maxBytes: 10 })).rejects.toMatchObject({ code: 'network_error', retryable: true });
  });
});
