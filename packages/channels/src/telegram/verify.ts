import { SignatureError } from '@switchboard/errors';
import type { InboundRequest, InboxContext } from '../contract.ts';
import { safeEqual, singleHeader } from '../shared/safe-equal.ts';

/** Telegram echoes the `secret_token` given to setWebhook in this header; there is no HMAC. */
export const TELEGRAM_SECRET_HEADER = 'x-telegram-bot-api-secret-token';

/** Throws SignatureError unless the secret-token header equals the inbox's webhook secret. */
export function verifyTelegramRequest(req: InboundRequest, inbox: InboxContext<unknown, { webhookSecret: string }>): void {
  const expected = inbox.secrets.webhookSecret;
  const received = singleHeader(req.headers, TELEGRAM_SECRET_HEADER);
  // an inbox without a secret must fail closed: an empty expected value would match an empty header
  if (!expected) throw new SignatureError('inbox has no webhook secret');
  if (received === undefined) throw new SignatureError('request did not include the secret token');
  if (!safeEqual(received, expected)) throw new SignatureError('request had the wrong secret token');
}
