import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { fixture, fixtureJson } from '@switchboard/testkit';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { verifyWhatsAppRequest, whatsAppHandshake } from './verify.ts';

interface Vector { secret: string; headers: Record<string, string>; body: string; valid: boolean }

const inboxWith = (appSecret: string, verifyToken = 'verify-me'): InboxContext<unknown, { appSecret: string; verifyToken: string }> => ({
  id: '6f1d2f3a-4b5c-4c57-9a52-0b6c8f5e3f0a',
  channel: 'whatsapp',
  config: { phoneNumberId: '1234567890' },
  secrets: { appSecret, verifyToken },
});
const request = (v: Pick<Vector, 'headers' | 'body'>, query: Record<string, string> = {}): InboundRequest => ({
  method: 'POST',
  headers: Object.fromEntries(Object.entries(v.headers).map(([k, value]) => [k.toLowerCase(), value])),
  query,
  rawBody: Buffer.from(v.body, 'utf8'),
});
const vectors = readdirSync(fixture('whatsapp')).filter((f) => f.startsWith('sig_'));

describe('verifyWhatsAppRequest', () => {
  it('has the signature vectors of the fixture folder', () => {
    expect(vectors).toEqual(['sig_sha256_courier_hello_computed.json', 'sig_sha256_decoded_unicode_mismatch.json']);
  });

  it.each(vectors)('judges %s as the vector says', (file) => {
    const v = fixtureJson(`whatsapp/${file}`) as Vector;
    const check = () => verifyWhatsAppRequest(request(v), inboxWith(v.secret));
    if (v.valid) expect(check).not.toThrow();
    else expect(check).toThrow(SignatureError);
  });

  it('refuses the valid body with one byte of whitespace changed, a wrong secret, no header, an empty secret', () => {
    const v = fixtureJson('whatsapp/sig_sha256_courier_hello_computed.json') as Vector;
    expect(() => verifyWhatsAppRequest(request({ ...v, body: v.body.replace('\n', ' ') }), inboxWith(v.secret))).toThrow(SignatureError);
    expect(() => verifyWhatsAppRequest(request(v), inboxWith('another secret'))).toThrow(SignatureError);
    expect(() => verifyWhatsAppRequest(request({ ...v, headers: {} }), inboxWith(v.secret))).toThrow(SignatureError);
    expect(() => verifyWhatsAppRequest(request(v), inboxWith(''))).toThrow(SignatureError);
  });
});

describe('whatsAppHandshake', () => {
  const get = (token: string) => request({ headers: {}, body: '' }, { 'hub.mode': 'subscribe', 'hub.verify_token': token, 'hub.challenge': '1158201444' });
  it('echoes hub.challenge for the inbox verify token, 403 for another, nothing for other GETs', () => {
    expect(whatsAppHandshake(get('verify-me'), inboxWith('s'))).toEqual({ status: 200, body: '1158201444' });
    expect(whatsAppHandshake(get('guess'), inboxWith('s'))).toEqual({ status: 403, body: 'verify token mismatch' });
    expect(whatsAppHandshake(get(''), inboxWith('s', ''))?.status).toBe(403);
    expect(whatsAppHandshake(request({ headers: {}, body: '' }), inboxWith('s'))).toBeUndefined();
  });
});
