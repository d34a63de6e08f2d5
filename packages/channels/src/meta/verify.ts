import { createHmac } from 'node:crypto';
import { SignatureError } from '@switchboard/errors';
import type { InboundRequest } from '../contract.ts';
import { safeEqual, singleHeader } from '../shared/safe-equal.ts';

/**
 * Meta webhooks (WhatsApp Cloud API, Messenger, Instagram): `X-Hub-Signature-256: sha256=<hex
 * HMAC-SHA256(app secret, raw body)>`. The raw bytes, never a re-serialization: Meta escapes
 * non-ASCII as \uXXXX, which a decode + encode would not reproduce. Throws SignatureError.
 */
export function verifyMetaSignature(req: Pick<InboundRequest, 'headers' | 'rawBody'>, appSecret: string): void {
  const header = singleHeader(req.headers, 'x-hub-signature-256');
  if (!header) throw new SignatureError('X-Hub-Signature-256 missing');
  const expected = `sha256=${createHmac('sha256', appSecret).update(req.rawBody).digest('hex')}`;
  if (!safeEqual(header.trim().toLowerCase(), expected)) throw new SignatureError('X-Hub-Signature-256 does not match the body');
}

/**
 * The subscription handshake: `GET ?hub.mode=subscribe&hub.verify_token=…&hub.challenge=…` is
 * answered with the challenge when the token is the inbox's; 403 otherwise. Undefined for a GET
 * that is not a handshake.
 */
export function metaHandshake(req: Pick<InboundRequest, 'query'>, verifyToken: string): { status: number; body: string } | undefined {
  const mode = req.query['hub.mode'];
  if (mode === undefined) return undefined;
  const token = req.query['hub.verify_token'] ?? '';
  const challenge = req.query['hub.challenge'] ?? '';
  if (mode !== 'subscribe' || !safeEqual(token, verifyToken)) return { status: 403, body: 'verify token mismatch' };
  return { status: 200, body: challenge };
}
