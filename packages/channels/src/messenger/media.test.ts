import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { PermanentError, RetryableError } from '@switchboard/errors';
import { startFakeMetaSend, type FakeMetaSend } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { createMessengerMediaFetcher } from './media.ts';

const inbox: InboxContext = { id: '5b1f0c4e-8a2d-4c1e-9f3a-0d6e7b8c9a01', channel: 'messenger', config: { pageId: '1' }, secrets: {} };
let fake: FakeMetaSend;
beforeAll(async () => {
  fake = await startFakeMetaSend();
});
afterAll(async () => {
  await fake.close();
});

describe('createMessengerMediaFetcher', () => {
  const fetchMedia = createMessengerMediaFetcher();

  it('downloads the payload.url with its content type and file name', async () => {
    const bytes = Buffer.from('\x89PNG fake image bytes', 'latin1');
    const url = fake.serveMedia('photo.png', bytes, 'image/png');
    const media = await fetchMedia({ externalId: url }, inbox, { maxBytes: 1024 });
    expect(media.bytes.equals(bytes)).toBe(true);
    expect(media).toMatchObject({ contentType: 'image/png', fileName: 'photo.png' });
  });

  it('refuses a file over maxBytes with attachment_too_large', async () => {
    const url = fake.serveMedia('big.mp4', Buffer.alloc(2048, 1), 'video/mp4');
    await expect(fetchMedia({ externalId: url }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ constructor: PermanentError, code: 'attachment_too_large' });
  });

  it('treats an expired url as permanent, a 5xx or no network as retryable', async () => {
    await expect(fetchMedia({ externalId: `${fake.apiRoot}/cdn/expired.jpg` }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ constructor: PermanentError, code: 'messenger_media_404' });
    const flaky = fake.serveMedia('flaky.jpg', Buffer.from('x'), 'image/jpeg', { status: 502 });
    await expect(fetchMedia({ externalId: flaky }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ constructor: RetryableError, code: 'messenger_media_502' });
    await expect(fetchMedia({ externalId: 'http://127.0.0.1:9/x.jpg' }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'network_error' });
    await expect(fetchMedia({ externalId: 'file:///etc/passwd' }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'media_url_invalid' });
  });
});
