import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { fixtureJson } from '@switchboard/testkit';
import { metaHandshake, verifyMetaSignature } from './verify.ts';

interface Vector { scheme: string; secret: string; headers: Record<string, string>; body: string; valid: boolean }

const lower = (headers: Record<string, string>) => Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), v]));
const vectors = ['whatsapp/sig_sha256_courier_hello_computed.json', 'whatsapp/sig_sha256_decoded_unicode_mismatch.json'];

describe('verifyMetaSignature', () => {
  it.each(vectors)('judges %s as the vector says', (file) => {
    const v = fixtureJson(file) as Vector;
    const check = () => verifyMetaSignature({ headers: lower(v.headers), rawBody: Buffer.from(v.body, 'utf8') }, v.secret);
    if (v.valid) expect(check).not.toThrow();
    else expect(check).toThrow(SignatureError);
  });

  it('refuses a missing header, a wrong secret and the legacy SHA-1 header alone', () => {
    const v = fixtureJson(vectors[0]!) as Vector;
    const rawBody = Buffer.from(v.body, 'utf8');
    expect(() => verifyMetaSignature({ headers: {}, rawBody }, v.secret)).toThrow('X-Hub-Signature-256 missing');
    expect(() => verifyMetaSignature({ headers: lower(v.headers), rawBody }, 'another secret')).toThrow(SignatureError);
    const legacy = fixtureJson('messenger/sig_sha1_legacy_mismatch.json') as Vector;
    expect(() => verifyMetaSignature({ headers: lower(legacy.headers), rawBody: Buffer.from(legacy.body) }, legacy.secret)).toThrow(SignatureError);
  });
});

describe('metaHandshake', () => {
  const query = (token: string, mode = 'subscribe') => ({ query: { 'hub.mode': mode, 'hub.verify_token': token, 'hub.challenge': '1158201444' } });
  it('echoes the challenge for the inbox token, 403 otherwise, nothing for other GETs', () => {
    expect(metaHandshake(query('s3cret'), 's3cret')).toEqual({ status: 200, body: '1158201444' });
    expect(metaHandshake(query('guess'), 's3cret')).toEqual({ status: 403, body: 'verify token mismatch' });
    expect(metaHandshake(query('s3cret', 'unsubscribe'), 's3cret')?.status).toBe(403);
    expect(metaHandshake({ query: {} }, 's3cret')).toBeUndefined();
  });
});
