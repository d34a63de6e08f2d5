import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { SignatureError } from '@switchboard/errors';
import type { VisitorIdentity } from './wire.ts';

/** What the site's server computes for a logged-in user: hex HMAC-SHA256(identitySecret, userId). */
export function signUserId(userId: string, identitySecret: string): string {
  return createHmac('sha256', identitySecret).update(userId, 'utf8').digest('hex');
}

/**
 * The visitor id of a verified user: derived from inbox and user id, so every device the user
 * signs in on continues the same conversation and contact. Throws SignatureError on a wrong
 * signature: an unsigned or forged claim is never trusted.
 */
export function visitorIdForIdentity(identity: VisitorIdentity, identitySecret: string, inboxId: string): string {
  const given = Buffer.from(identity.signature, 'hex');
  const wanted = createHmac('sha256', identitySecret).update(identity.userId, 'utf8').digest();
  if (given.length !== wanted.length || !timingSafeEqual(given, wanted)) throw new SignatureError('the identity signature does not match');
  // hashed, so a user id (an email, a customer number) never shows up in tokens or thread keys
  return `u-${createHash('sha256').update(`${inboxId}\n${identity.userId}`).digest('base64url').slice(0, 43)}`;
}
