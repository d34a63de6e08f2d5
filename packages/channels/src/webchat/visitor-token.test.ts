import { randomBytes } from 'node:crypto';
import { describe, expect, it } from '@jest/globals';
import { SignatureError } from '@switchboard/errors';
import { signVisitorToken, verifyVisitorToken, VISITOR_TOKEN_TTL_MS } from './visitor-token.ts';

const key = randomBytes(32);
const inboxId = '7d1c3a52-8f0e-4a8b-9d6e-1f2a3b4c5d6e';
const issuedAt = new Date('2024-05-01T10:00:00.000Z');
const token = signVisitorToken({ inboxId, visitorId: 'v_abc-123', issuedAt }, key);
const verify = (t: string, now = issuedAt, k = key, inbox = inboxId) => verifyVisitorToken(t, k, { inboxId: inbox }, now);

describe('visitor tokens', () => {
  it('round-trips the claims', () => {
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]{43}$/);
    expect(verify(token)).toEqual({ inboxId, visitorId: 'v_abc-123', issuedAt });
  });

  it('rejects a tampered payload or signature', () => {
    const [body, mac] = token.split('.') as [string, string];
    const forged = Buffer.from(JSON.stringify({ inboxId, visitorId: 'someone-else', issuedAt: issuedAt.getTime() / 1000 })).toString('base64url');
    expect(() => verify(`${forged}.${mac}`)).toThrow(SignatureError);
    const flipped = mac.startsWith('A') ? `B${mac.slice(1)}` : `A${mac.slice(1)}`;
    expect(() => verify(`${body}.${flipped}`)).toThrow(SignatureError);
    expect(() => verify(`${body}.${mac.slice(0, 20)}`)).toThrow(SignatureError);
  });

  it('rejects a token signed with another key', () => {
    expect(() => verify(token, issuedAt, randomBytes(32))).toThrow(SignatureError);
  });

  it('rejects a token of another inbox', () => {
    expect(() => verify(token, issuedAt, key, '00000000-0000-4000-8000-000000000000')).toThrow(/another inbox/);
  });

  it('expires after 30 days', () => {
    expect(() => verify(token, new Date(issuedAt.getTime() + VISITOR_TOKEN_TTL_MS))).not.toThrow();
    expect(() => verify(token, new Date(issuedAt.getTime() + VISITOR_TOKEN_TTL_MS + 1000))).toThrow(/expired/);
  });

  it('rejects a token issued in the future', () => {
    expect(() => verify(token, new Date(issuedAt.getTime() - 60 * 60 * 1000))).toThrow(SignatureError);
  });

  it.each(['', 'abc', 'a.b.c', 'not base64!.sig', '.'])('rejects the malformed token %j', (bad) => {
    expect(() => verify(bad)).toThrow(SignatureError);
  });

  it('refuses keys shorter than 32 bytes and visitor ids that would break channel names', () => {
    expect(() => signVisitorToken({ inboxId, visitorId: 'v1', issuedAt }, randomBytes(16))).toThrow(RangeError);
    expect(() => signVisitorToken({ inboxId, visitorId: 'a:b', issuedAt }, key)).toThrow();
  });
});
