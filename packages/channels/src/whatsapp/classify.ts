import { AppError, PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { GraphErrorBody } from './wire.ts';

/** A failed Graph API answer as the sender saw it. */
export interface GraphFailure {
  status: number;
  /** The Retry-After header, when there was one (seconds or an HTTP date). */
  retryAfter?: string | null;
  /** The parsed JSON body, or the text when it was not JSON. */
  body: unknown;
}

/**
 * Rate limits by Graph/WhatsApp error code (CHANNELS.md, pywa errors.py) and how long to wait
 * when no Retry-After says: 4 app calls, 80007 WABA, 130429 throughput (80/s), 131056 pair rate
 * (about one message per 6 s to one user), 131048 spam limit.
 */
const RATE_LIMIT_WAIT_MS: Record<number, number> = { 4: 60_000, 80007: 60_000, 130429: 1_000, 131056: 6_000, 131048: 60_000 };
/** Graph's own "temporary" codes: 1 API unknown, 2 API service; 131000 something went wrong; 133004 server unavailable. */
const TRANSIENT = new Set([1, 2, 131000, 133004]);
const MESSAGES: Record<number, string> = {
  131047: 'More than 24 hours have passed since the customer last wrote: only an approved template can be sent now (send a template to reopen the conversation)',
  131026: 'The message could not be delivered (the number may not be on WhatsApp, or the customer has blocked the business or must accept new terms)',
  131051: 'WhatsApp does not support this message type',
  190: 'The WhatsApp access token expired or was revoked: an operator must set a new one',
};
const DEFAULT_RETRY_AFTER_MS = 5_000;
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);

/**
 * A Graph API failure → the error class that tells egress whether to retry, wait or give up.
 * Platform codes keep their number in the error code (`whatsapp_131047`) so alerts can name them.
 */
export function classifyWhatsAppResponse(failure: GraphFailure): AppError {
  const parsed = GraphErrorBody.safeParse(failure.body);
  const { status } = failure;
  const headerWait = retryAfterMs(failure.retryAfter);
  if (!parsed.success) {
    const text = typeof failure.body === 'string' ? failure.body.slice(0, 200) : '';
    const details = { status };
    if (status === 429) return new RateLimitedError('rate_limited', `Graph API answered 429 ${text}`.trim(), headerWait ?? DEFAULT_RETRY_AFTER_MS, { details });
    if (status >= 500 || status === 408) return new RetryableError(`upstream_${status}`, `Graph API answered ${status} ${text}`.trim(), { details });
    if (status === 401) return new PermanentError('channel_auth_failed', 'Graph API refused the access token', { details });
    return new PermanentError('rejected', `Graph API answered ${status} ${text}`.trim(), { details });
  }
  const e = parsed.data.error;
  const code = `whatsapp_${e.code}`;
  const message = MESSAGES[e.code] ?? [e.message, e.error_data?.details].filter(Boolean).join(': ');
  const options = { details: { status, code: e.code, subcode: e.error_subcode, message: e.message, details: e.error_data?.details, fbtrace_id: e.fbtrace_id } };
  const wait = RATE_LIMIT_WAIT_MS[e.code];
  if (wait !== undefined || status === 429) return new RateLimitedError(code, message, headerWait ?? wait ?? DEFAULT_RETRY_AFTER_MS, options);
  if (TRANSIENT.has(e.code) || e.is_transient === true || status >= 500) return new RetryableError(code, message, options);
  return new PermanentError(code, message, options);
}

/** A thrown fetch error (or anything unexpected) → retryable; AppErrors pass through. */
export function classifyWhatsAppError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  if (isNetworkError(error)) return new RetryableError('network_error', `Graph API unreachable: ${messageOf(error)}`, { cause: error });
  return new RetryableError('unexpected_error', `Graph API call failed: ${messageOf(error)}`, { cause: error });
}

function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(at - Date.now(), 0);
}

function isNetworkError(error: unknown): boolean {
  // duck-typed: fetch's errors come from another realm under test runners, so instanceof fails
  if (typeof error !== 'object' || error === null) return false;
  const e = error as { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown } };
  if (e.name === 'AbortError' || e.name === 'TimeoutError') return true;
  const code = e.code ?? e.cause?.code;
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) return true;
  // global fetch: TypeError('fetch failed', { cause })
  return e.name === 'TypeError' && e.message === 'fetch failed';
}

function messageOf(error: unknown): string {
  const message = (error as { message?: unknown } | null)?.message;
  return typeof message === 'string' ? message : String(error);
}
