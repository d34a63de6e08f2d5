import { createHmac } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { fixtureJson, fixtureText } from '@switchboard/testkit';
import type { InboxContext } from '../contract.ts';
import { messengerAdapter } from './adapter.ts';
import { instagramAdapter } from '../instagram/adapter.ts';

interface Vector { secret: string; headers: Record<string, string>; body: string; valid: boolean }
const inbox = (appSecret: string): InboxContext<never, { pageAccessToken: string; appSecret: string; verifyToken: string }> => ({
  id: '5b1f0c4e-8a2d-4c1e-9f3a-0d6e7b8c9a01',
  channel: 'messenger',
  config: undefined as never,
  secrets: { pageAccessToken: 'EAAB-token', appSecret, verifyToken: 'verify-token-1' },
});
const lower = (h: Record<string, string>) => Object.fromEntries(Object.entries(h).map(([k, v]) => [k.toLowerCase(), v]));
const request = (rawBody: Buffer, headers: Record<string, string>) => ({ method: 'POST', headers, query: {}, rawBody });
const sign = (secret: string, body: Buffer) => `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

describe.each([
  ['messenger', messengerAdapter],
  ['instagram', instagramAdapter],
])('%s verify and handshake', (_name, adapter) => {
  it('judges messenger/sig_sha1_legacy_mismatch.json invalid, as the vector says (a legacy sha1 header alone is refused)', () => {
    const v = fixtureJson('messenger/sig_sha1_legacy_mismatch.json') as Vector;
    expect(v.valid).toBe(false);
    expect(() => adapter.verify(request(Buffer.from(v.body), lower(v.headers)), inbox(v.secret) as never)).toThrow(SignatureError);
  });

  it('accepts X-Hub-Signature-256 over the exact fixture bytes and refuses a re-serialization or another secret', () => {
    const raw = Buffer.from(fixtureText('messenger/text_quick_reply.json'), 'utf8');
    const ok = { 'x-hub-signature-256': sign('app-secret-1', raw) };
    expect(() => adapter.verify(request(raw, ok), inbox('app-secret-1') as never)).not.toThrow();
    const reserialized = Buffer.from(JSON.stringify(JSON.parse(raw.toString('utf8'))));
    expect(() => adapter.verify(request(reserialized, ok), inbox('app-secret-1') as never)).toThrow(SignatureError);
    expect(() => adapter.verify(request(raw, ok), inbox('another-secret') as never)).toThrow(SignatureError);
    expect(() => adapter.verify(request(raw, {}), inbox('app-secret-1') as never)).toThrow(SignatureError);
  });

  it('answers the hub.challenge handshake with the inbox verify token only', () => {
    const q = (token: string) => ({ method: 'GET', headers: {}, rawBody: Buffer.alloc(0), query: { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' } });
    expect(adapter.handshake?.(q('verify-token-1'), inbox('s') as never)).toEqual({ status: 200, body: '1158201444' });
    expect(adapter.handshake?.(q('guess'), inbox('s') as never)?.status).toBe(403);
  });
});
