import { readdirSync } from 'node:fs';
import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { fixture, fixtureJson } from '@switchboard/testkit';
import type { InboundRequest } from '../../contract.ts';
import { twilioSignature, twilioUrlVariants, verifyTwilioRequest } from './verify.ts';

interface Vector {
  secret: string;
  url: string;
  params: Record<string, string>;
  body: string;
  headers: Record<string, string>;
  expected_signature: string;
  valid: boolean;
}

const vectors = readdirSync(fixture('twilio')).filter((f) => f.startsWith('sig_')).sort();
const requestOf = (v: Vector, overrides: Partial<InboundRequest> = {}): InboundRequest => ({
  method: 'POST',
  url: v.url,
  headers: Object.fromEntries(Object.entries(v.headers).map(([k, value]) => [k.toLowerCase(), value])),
  query: Object.fromEntries(new URL(v.url).searchParams),
  rawBody: Buffer.from(v.body, 'utf8'),
  ...overrides,
});
const judge = (req: InboundRequest, secret: string) => {
  try {
    verifyTwilioRequest(req, secret);
    return true;
  } catch (error) {
    expect(error).toBeInstanceOf(SignatureError);
    return false;
  }
};

describe('verifyTwilioRequest on every twilio/sig_* vector', () => {
  it('covers all of them', () => {
    expect(vectors).toHaveLength(7);
  });

  it.each(vectors)('%s is judged as the vector says', (file) => {
    const v = fixtureJson(`twilio/${file}`) as Vector;
    expect(judge(requestOf(v), v.secret)).toBe(v.valid);
  });

  it.each(vectors.filter((f) => (fixtureJson(`twilio/${f}`) as Vector).valid))('%s: the same request with another token is rejected', (file) => {
    const v = fixtureJson(`twilio/${file}`) as Vector;
    expect(judge(requestOf(v), `${v.secret}x`)).toBe(false);
  });
});

describe('Twilio signature details', () => {
  const basic = fixtureJson('twilio/sig_valid_basic.json') as Vector;

  it('computes the canonical vector (token 12345)', () => {
    expect(twilioSignature('12345', basic.url, basic.params)).toBe('RSOYDt4T1cUTdK1PDd93/VVr8B8=');
  });

  it('accepts the URL with the default port spelled out when Twilio signed it without, and the reverse', () => {
    expect(judge(requestOf(basic, { url: 'https://mycompany.com:443/myapp.php?foo=1&bar=2' }), '12345')).toBe(true);
    const signedWithPort = twilioSignature('12345', 'https://mycompany.com:443/myapp.php?foo=1&bar=2', basic.params);
    expect(judge(requestOf(basic, { headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': signedWithPort } }), '12345')).toBe(true);
    expect(twilioUrlVariants('http://example.com/hook')).toEqual(expect.arrayContaining(['http://example.com/hook', 'http://example.com:80/hook']));
  });

  it('signs a repeated key with all its values sorted and de-duplicated', () => {
    const params = { MediaUrl: ['b', 'a', 'b'], Body: 'x' };
    expect(twilioSignature('t0ken-t0ken', 'https://h/p', params)).toBe(twilioSignature('t0ken-t0ken', 'https://h/p', { Body: 'x', MediaUrl: ['a', 'b'] }));
    const body = 'MediaUrl=b&Body=x&MediaUrl=a';
    const sig = twilioSignature('t0ken-t0ken', 'https://h/p', { Body: 'x', MediaUrl: ['a', 'b'] });
    expect(judge({ method: 'POST', url: 'https://h/p', headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': sig }, query: {}, rawBody: Buffer.from(body) }, 't0ken-t0ken')).toBe(true);
  });

  it('rejects a JSON body that does not match bodySHA256 even with a valid URL signature', () => {
    const v = fixtureJson('twilio/sig_json_body_sha256.json') as Vector;
    expect(judge(requestOf(v, { rawBody: Buffer.from('{"property": "other", "boolean": true}') }), v.secret)).toBe(false);
  });

  it('rejects a tampered form parameter, a missing header, a missing URL and an inbox without a token', () => {
    expect(judge(requestOf(basic, { rawBody: Buffer.from(basic.body.replace('1234', '9999')) }), '12345')).toBe(false);
    expect(judge(requestOf(basic, { headers: { 'content-type': 'application/x-www-form-urlencoded' } }), '12345')).toBe(false);
    const { url: _url, ...withoutUrl } = requestOf(basic);
    expect(judge(withoutUrl, '12345')).toBe(false);
    expect(() => verifyTwilioRequest(requestOf(basic), undefined)).toThrow(SignatureError);
  });
});
