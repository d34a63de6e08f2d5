import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { startFakeWhatsApp, type FakeWhatsApp } from './fake-whatsapp.ts';

let fake: FakeWhatsApp;
beforeAll(async () => {
  fake = await startFakeWhatsApp();
});
afterAll(async () => {
  await fake.close();
});

const post = (path: string, body: unknown, token: string | null = 'T') =>
  fetch(`${fake.apiRoot}${path}`, { method: 'POST', headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) }, body: JSON.stringify(body) });

describe('the fake WhatsApp Cloud API', () => {
  it('answers like Graph: 401 code 190 without a token, 400 code 100 on a malformed message, an id otherwise', async () => {
    const noToken = await post('/v21.0/1/messages', { messaging_product: 'whatsapp', to: '1', type: 'text', text: { body: 'x' } }, null);
    expect([noToken.status, ((await noToken.json()) as { error: { code: number } }).error.code]).toEqual([401, 190]);
    const noTo = await post('/v21.0/1/messages', { messaging_product: 'whatsapp', type: 'text', text: { body: 'x' } });
    expect([noTo.status, ((await noTo.json()) as { error: { code: number } }).error.code]).toEqual([400, 100]);
    const ok = await post('/v21.0/1/messages', { messaging_product: 'whatsapp', to: '15550100', type: 'text', text: { body: 'x' } });
    expect(await ok.json()).toEqual({ messaging_product: 'whatsapp', contacts: [{ input: '15550100', wa_id: '15550100' }], messages: [{ id: expect.stringMatching(/^wamid\./) }] });
    expect(fake.calls.map((c) => [c.route, c.token])).toEqual([['messages', ''], ['messages', 'T'], ['messages', 'T']]);
  });

  it('serves media: info with url and size, then the bytes to a bearer', async () => {
    fake.serveMedia('m1', Buffer.from('abc'), 'text/plain');
    const info = (await (await fetch(`${fake.apiRoot}/v21.0/m1`, { headers: { authorization: 'Bearer T' } })).json()) as { url: string };
    expect(info).toMatchObject({ mime_type: 'text/plain', file_size: 3, id: 'm1' });
    expect((await fetch(info.url)).status).toBe(401);
    expect(await (await fetch(info.url, { headers: { authorization: 'Bearer T' } })).text()).toBe('abc');
  });
});
