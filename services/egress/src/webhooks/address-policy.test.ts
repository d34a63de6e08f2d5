import { describe, expect, it } from '@jest/globals';
import { blockedReason, DEFAULT_ADDRESS_POLICY, guardedLookup } from './address-policy.ts';

const strict = { allowLoopback: false, allowPrivate: false };

describe('webhook address policy', () => {
  it('never allows the metadata service, link-local, "this host" or multicast addresses', () => {
    for (const ip of ['169.254.169.254', '0.0.0.0', '224.0.0.1', 'fe80::1', '::', '::ffff:169.254.169.254']) {
      expect(blockedReason(ip, { allowLoopback: true, allowPrivate: true })).toBeDefined();
    }
  });

  it('blocks loopback by default, also behind an IPv4-mapped IPv6 address', () => {
    expect(blockedReason('127.0.0.1', DEFAULT_ADDRESS_POLICY)).toMatch(/loopback/);
    expect(blockedReason('::1', DEFAULT_ADDRESS_POLICY)).toMatch(/loopback/);
    expect(blockedReason('::ffff:127.0.0.53', DEFAULT_ADDRESS_POLICY)).toMatch(/loopback/);
    expect(blockedReason('127.0.0.1', { ...DEFAULT_ADDRESS_POLICY, allowLoopback: true })).toBeUndefined();
  });

  it('allows private networks unless told not to, and public addresses always', () => {
    for (const ip of ['10.1.2.3', '172.20.0.5', '192.168.1.10', '100.64.0.1', 'fd12::1']) {
      expect(blockedReason(ip, DEFAULT_ADDRESS_POLICY)).toBeUndefined();
      expect(blockedReason(ip, strict)).toMatch(/private/);
    }
    for (const ip of ['93.184.216.34', '2606:4700::1111', '172.32.0.1']) expect(blockedReason(ip, strict)).toBeUndefined();
  });

  it('refuses a host name that resolves only to blocked addresses, at connect time', async () => {
    const lookup = guardedLookup(DEFAULT_ADDRESS_POLICY);
    const error = await new Promise<NodeJS.ErrnoException | null>((resolve) => lookup('localhost', {}, (e) => resolve(e)));
    expect(error).toMatchObject({ code: 'EBLOCKED' });
    expect(error?.message).toMatch(/localhost resolves to .*loopback/);
    const allowed = await new Promise<string>((resolve, reject) =>
      guardedLookup({ allowLoopback: true, allowPrivate: true })('localhost', {}, (e, address) => (e ? reject(e) : resolve(address as string))),
    );
    expect(['127.0.0.1', '::1']).toContain(allowed);
  });
});
