import { createHmac } from 'node:crypto';
import { SignatureError } from '@switchboard/errors';
import type { InboundRequest } from '../../contract.ts';
import { safeEqual, singleHeader } from '../../shared/safe-equal.ts';

/** Older (or later) timestamps are replays or clock trouble: rejected. */
export const GATEWAY_MAX_SKEW_SECONDS = 300;

/** Our contract: `sha256=` + hex HMAC-SHA256(signing secret, `${X-Timestamp}.${raw body}`). */
export function gatewaySignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.`).update(rawBody).digest('hex');
  return `sha256=${mac}`;
}

/** capcom6/android-sms-gateway (PayloadSigningPlugin): hex HMAC-SHA256(key, raw body + X-Timestamp), no prefix. */
export function androidGatewaySignature(secret: string, timestamp: string, rawBody: Buffer | string): string {
  return createHmac('sha256', secret).update(rawBody).update(timestamp).digest('hex');
}

/**
 * Throws SignatureError unless `X-Signature` signs this body with the inbox's secret in either
 * scheme and `X-Timestamp` (unix seconds) is within five minutes of `nowMs`.
 */
export function verifyGatewayRequest(req: InboundRequest, signingSecret: string | undefined, nowMs = Date.now()): void {
  if (!signingSecret) throw new SignatureError('inbox has no gateway signing secret');
  const signature = singleHeader(req.headers, 'x-signature');
  const timestamp = singleHeader(req.headers, 'x-timestamp')?.trim();
  if (!signature || !timestamp) throw new SignatureError('X-Signature or X-Timestamp missing');
  if (!/^\d{1,12}$/.test(timestamp)) throw new SignatureError('X-Timestamp is not unix seconds');
  if (Math.abs(nowMs / 1000 - Number(timestamp)) > GATEWAY_MAX_SKEW_SECONDS) {
    throw new SignatureError('X-Timestamp is more than five minutes away from now');
  }
  const given = signature.trim().toLowerCase();
  const bare = given.startsWith('sha256=') ? given.slice('sha256='.length) : given;
  // both compared every time: which scheme matched must not show in the timing
  const ours = safeEqual(`sha256=${bare}`, gatewaySignature(signingSecret, timestamp, req.rawBody));
  const android = safeEqual(bare, androidGatewaySignature(signingSecret, timestamp, req.rawBody));
  if (!ours && !android) throw new SignatureError('X-Signature does not match the body');
}
