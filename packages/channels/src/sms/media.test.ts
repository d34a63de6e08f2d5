import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeTwilio, type FakeTwilio } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { createSmsMediaFetcher } from './media.ts';

const accountSid = 'AC00000000000000000000000000000002';
const authToken = 'twilio-auth-token-2';
const inbox: InboxContext = { id: '0b6c8f5e-3f0a-4c57-9a52-6f1d2f3a4b5c', channel: 'sms', config: { provider: 'twilio', accountSid, from: '+12028831111' }, secrets: { authToken } };

let twilio: FakeTwilio;
beforeAll(async () => {
  twilio = await startFakeTwilio();
  twilio.addAccount(accountSid, authToken);
});
afterAll(async () => {
  await twilio.close();
});

describe('createSmsMediaFetcher', () => {
  it('downloads a MediaUrl with the account credentials', async () => {
    const jpeg = Buffer.from([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3]);
    const url = twilio.serveMedia(accountSid, jpeg, 'image/jpeg');
    const fetched = await createSmsMediaFetcher({ apiRoot: twilio.apiRoot })({ externalId: url }, inbox, { maxBytes: 1024 });
    expect(fetched).toEqual({ bytes: jpeg, contentType: 'image/jpeg' });
    expect(twilio.mediaRequests.at(-1)).toEqual({ path: new URL(url).pathname, authorized: true });
  });

  it('refuses a file over maxBytes as attachment_too_large', async () => {
    const url = twilio.serveMedia(accountSid, Buffer.alloc(2048, 7), 'video/mp4');
    await expect(createSmsMediaFetcher({ apiRoot: twilio.apiRoot })({ externalId: url }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'attachment_too_large' });
  });

  it('never sends the credentials to another host, and reports wrong ones', async () => {
    const url = twilio.serveMedia(accountSid, Buffer.from('x'), 'image/png');
    await expect(createSmsMediaFetcher()({ externalId: url }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'media_untrusted_host' });
    await expect(createSmsMediaFetcher({ apiRoot: twilio.apiRoot })({ externalId: url }, { ...inbox, secrets: { authToken: 'wrong-token' } }, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'channel_auth_failed' });
  });

  it('retries when the API is unreachable; gateways have no media', async () => {
    await expect(createSmsMediaFetcher({ apiRoot: 'http://127.0.0.1:1' })({ externalId: 'http://127.0.0.1:1/2010-04-01/x' }, inbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'network_error' });
    const gatewayInbox = { ...inbox, config: { provider: 'gateway', sendUrl: 'https://gw.example/send' }, secrets: { signingSecret: 'gateway-signing-secret-0123456789' } };
    await expect(createSmsMediaFetcher()({ externalId: 'https://api.twilio.com/x' }, gatewayInbox, { maxBytes: 1024 })).rejects.toMatchObject({ code: 'media_not_supported' });
  });
});
