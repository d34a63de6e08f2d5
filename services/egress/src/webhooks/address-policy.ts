import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import net, { BlockList } from 'node:net';

/**
 * Which addresses outbound webhooks may connect to. Admins choose the URLs, so a URL (or a DNS
 * name that later resolves elsewhere) must not turn egress into a probe of its own host or the
 * cloud metadata service. Private networks stay reachable by default: a self-hosted desk's CRM
 * usually lives on one.
 */
export interface WebhookAddressPolicy {
  /** 127.0.0.0/8 and ::1. For development and tests only. */
  allowLoopback: boolean;
  /** RFC 1918, CGNAT 100.64/10 and IPv6 unique-local fc00::/7. */
  allowPrivate: boolean;
}

export const DEFAULT_ADDRESS_POLICY: WebhookAddressPolicy = { allowLoopback: false, allowPrivate: true };

/** Never: "this host", link-local (169.254.169.254 is the cloud metadata service), multicast, reserved. */
const ALWAYS_BLOCKED = subnets([
  ['0.0.0.0', 8, 'ipv4'], ['169.254.0.0', 16, 'ipv4'], ['224.0.0.0', 4, 'ipv4'], ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'], ['fe80::', 10, 'ipv6'], ['ff00::', 8, 'ipv6'],
]);
const LOOPBACK = subnets([['127.0.0.0', 8, 'ipv4'], ['::1', 128, 'ipv6']]);
const PRIVATE = subnets([
  ['10.0.0.0', 8, 'ipv4'], ['172.16.0.0', 12, 'ipv4'], ['192.168.0.0', 16, 'ipv4'], ['100.64.0.0', 10, 'ipv4'], ['fc00::', 7, 'ipv6'],
]);

function subnets(list: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const blocks = new BlockList();
  for (const [address, prefix, family] of list) blocks.addSubnet(address, prefix, family);
  return blocks;
}

/** Why `address` may not be connected to, or undefined when it may. */
export function blockedReason(address: string, policy: WebhookAddressPolicy): string | undefined {
  // an IPv4-mapped IPv6 address (::ffff:127.0.0.1) is judged as the IPv4 address it carries
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1];
  const ip = mapped ?? address;
  const family = net.isIPv4(ip) ? 'ipv4' : net.isIPv6(ip) ? 'ipv6' : undefined;
  if (!family) return `${address} is not an IP address`;
  if (ALWAYS_BLOCKED.check(ip, family)) return `${address} is a link-local, multicast or reserved address`;
  if (!policy.allowLoopback && LOOPBACK.check(ip, family)) return `${address} is a loopback address`;
  if (!policy.allowPrivate && PRIVATE.check(ip, family)) return `${address} is a private-network address`;
  return undefined;
}

type LookupCallback = (error: NodeJS.ErrnoException | null, address: string | LookupAddress[], family?: number) => void;

/**
 * A `lookup` for http.request that resolves as usual and refuses blocked answers: the address is
 * checked where the connection is made, so a DNS answer that changes after a check (rebinding)
 * cannot slip through.
 */
export function guardedLookup(policy: WebhookAddressPolicy) {
  return (hostname: string, options: { all?: boolean }, callback: LookupCallback): void => {
    dnsLookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, []);
      const allowed = addresses.filter((a) => blockedReason(a.address, policy) === undefined);
      if (allowed.length === 0) {
        const reason = blockedReason(addresses[0]?.address ?? hostname, policy) ?? 'no address';
        return callback(Object.assign(new Error(`blocked: ${hostname} resolves to ${reason}`), { code: 'EBLOCKED' }), []);
      }
      if (options.all) return callback(null, allowed);
      callback(null, allowed[0]!.address, allowed[0]!.family);
    });
  };
}
