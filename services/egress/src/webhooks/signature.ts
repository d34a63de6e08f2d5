import { createHmac } from 'node:crypto';

/** The headers a receiver checks; the names are part of the public contract (docs/webhooks.md). */
export const SIGNATURE_HEADER = 'x-switchboard-signature';
export const TIMESTAMP_HEADER = 'x-switchboard-timestamp';
export const DELIVERY_HEADER = 'x-switchboard-delivery';
export const EVENT_HEADER = 'x-switchboard-event';

/** `sha256=<hex HMAC-SHA256(secret, timestamp + "." + body)>`; the timestamp is unix seconds. */
export function signWebhook(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}
