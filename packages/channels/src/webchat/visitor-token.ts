import { createHmac, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { SignatureError } from '@switchboard/errors';

/** A visitor token is valid this long after it was issued; the widget then starts a new session. */
export const VISITOR_TOKEN_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Tolerated clock difference between the replicas that sign and verify. */
const CLOCK_SKEW_MS = 5 * 60 * 1000;
const MIN_KEY_BYTES = 32;

/** Visitor ids end up in queue job ids and pub/sub channel names, so no ':' and no spaces. */
export const VisitorId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

export interface VisitorTokenClaims {
  inboxId: string;
  visitorId: string;
  issuedAt: Date;
}

const Payload = z.object({ inboxId: z.string().min(1), visitorId: VisitorId, issuedAt: z.number().int() });
const SEGMENT = /^[A-Za-z0-9_-]+$/;

/**
 * A compact token `base64url(json payload).base64url(HMAC-SHA256(key, first segment))`.
 * Like a JWT without a header: there is one algorithm, so nothing to negotiate or downgrade.
 */
export function signVisitorToken(claims: VisitorTokenClaims, key: Buffer): string {
  assertKey(key);
  VisitorId.parse(claims.visitorId);
  const payload = { inboxId: claims.inboxId, visitorId: claims.visitorId, issuedAt: Math.floor(claims.issuedAt.getTime() / 1000) };
  const body = Buffer.from(JSON.stringify(payload), 'utf8').toString('base64url');
  return `${body}.${mac(body, key).toString('base64url')}`;
}

/**
 * The claims of a token signed with `key` for `expected.inboxId`. Throws SignatureError when
 * it is malformed, tampered with, for another inbox, issued in the future or older than 30 days.
 */
export function verifyVisitorToken(token: string, key: Buffer, expected: { inboxId: string }, now: Date = new Date()): VisitorTokenClaims {
  assertKey(key);
  const [body, signature, extra] = token.split('.');
  if (!body || !signature || extra !== undefined || !SEGMENT.test(body) || !SEGMENT.test(signature)) {
    throw new SignatureError('malformed visitor token');
  }
  const given = Buffer.from(signature, 'base64url');
  const wanted = mac(body, key);
  // both are 32-byte MACs when the length matches; the length itself is no secret
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new SignatureError('invalid visitor token');

  const payload = Payload.safeParse(parseJson(Buffer.from(body, 'base64url').toString('utf8')));
  if (!payload.success) throw new SignatureError('malformed visitor token');
  const { inboxId, visitorId, issuedAt } = payload.data;
  if (inboxId !== expected.inboxId) throw new SignatureError('visitor token is for another inbox');
  const issuedMs = issuedAt * 1000;
  if (issuedMs > now.getTime() + CLOCK_SKEW_MS) throw new SignatureError('visitor token issued in the future');
  if (now.getTime() - issuedMs > VISITOR_TOKEN_TTL_MS) throw new SignatureError('visitor token expired');
  return { inboxId, visitorId, issuedAt: new Date(issuedMs) };
}

function mac(body: string, key: Buffer): Buffer {
  return createHmac('sha256', key).update(body, 'utf8').digest();
}

function assertKey(key: Buffer): void {
  if (key.length < MIN_KEY_BYTES) throw new RangeError(`visitor token key must be at least ${MIN_KEY_BYTES} bytes`);
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
