import { describe, expect, it } from '@jest/globals';
import { randomBytes } from 'node:crypto';
import { blobUrlKey, isBlobUrlValid, signBlobUrl } from './signed-url.ts';

const key = blobUrlKey(randomBytes(32));
const blob = 'ab'.repeat(32);
const now = new Date('2026-11-23T10:00:00Z');

function parts(url: string) {
  const u = new URL(url);
  return { key: u.pathname.split('/').at(-1)!, exp: u.searchParams.get('exp') ?? undefined, sig: u.searchParams.get('sig') ?? undefined };
}

describe('signed blob links', () => {
  it('are valid for their blob until they expire', () => {
    const url = signBlobUrl('https://sms.example.com/', blob, key, new Date(now.getTime() + 3_600_000));
    expect(url).toMatch(new RegExp(`^https://sms\\.example\\.com/media/${blob}\\?exp=\\d+&sig=[\\w-]{43}$`));
    const p = parts(url);
    expect(isBlobUrlValid(p.key, p.exp, p.sig, key, now)).toBe(true);
    expect(isBlobUrlValid(p.key, p.exp, p.sig, key, new Date(now.getTime() + 3_601_000))).toBe(false);
  });

  it('are refused for another blob, a moved expiry, another key, or missing parts', () => {
    const p = parts(signBlobUrl('https://sms.example.com', blob, key, new Date(now.getTime() + 3_600_000)));
    expect(isBlobUrlValid('cd'.repeat(32), p.exp, p.sig, key, now)).toBe(false);
    expect(isBlobUrlValid(p.key, String(Number(p.exp) + 3_600), p.sig, key, now)).toBe(false);
    expect(isBlobUrlValid(p.key, p.exp, p.sig, blobUrlKey(randomBytes(32)), now)).toBe(false);
    expect(isBlobUrlValid(p.key, undefined, p.sig, key, now)).toBe(false);
    expect(isBlobUrlValid(p.key, p.exp, undefined, key, now)).toBe(false);
  });
});
