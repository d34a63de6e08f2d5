import { PermanentError, RateLimitedError, RetryableError, type AppError } from '@switchboard/errors';
import { retryAfterMs } from '../http.ts';
import { TwilioErrorBody } from '../wire.ts';

/** Twilio error codes that mean "slow down": too many requests, channel (WhatsApp) rate limit. */
const RATE_LIMIT_CODES = new Set(['20429', '63018']);

/**
 * A failed Twilio REST answer → the error class that decides retry (https://www.twilio.com/docs/api/errors).
 * 21610: the recipient replied STOP, so the contact is unreachable (`recipient_blocked`, which
 * egress uses to mark it); 21211: not a valid phone number.
 */
export function classifyTwilioError(status: number, body: unknown, retryAfter?: string | null): AppError {
  const parsed = TwilioErrorBody.safeParse(body);
  const code = parsed.success && parsed.data.code !== undefined ? String(parsed.data.code) : undefined;
  const message = (parsed.success && parsed.data.message) || `Twilio answered HTTP ${status}`;
  const text = code ? `Twilio ${code}: ${message}` : message;
  const options = { details: { status, twilioCode: code } };
  if (status === 429 || (code && RATE_LIMIT_CODES.has(code))) {
    return new RateLimitedError(code ? `twilio_${code}` : 'rate_limited', text, retryAfterMs(retryAfter), options);
  }
  if (code === '21610') return new PermanentError('recipient_blocked', `${text} (twilio_21610: the recipient opted out with STOP)`, options);
  if (code === '21211' || code === '21614') return new PermanentError(`twilio_${code}`, text, options);
  // 20003: wrong credentials; 20404 on the account path: the account sid is not this token's
  if (status === 401 || code === '20003') return new PermanentError('channel_auth_failed', text, options);
  if (status >= 500) return new RetryableError(`upstream_${status}`, text, options);
  if (status >= 400) return new PermanentError(code ? `twilio_${code}` : 'rejected', text, options);
  return new RetryableError('unexpected_response', text, options);
}
