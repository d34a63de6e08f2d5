import { AppError, PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { TelegramError } from 'telegraf';
import { ErrorBody, type TelegramErrorBody } from './wire.ts';

const BLOCKED = /bot was blocked by the user|user is deactivated|bot can't initiate conversation/i;
const NOT_FOUND = /chat not found|user not found|PEER_ID_INVALID/i;
const NETWORK_CODES = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED',
]);
/** When a 429 carries no retry_after, wait this long rather than hammering the API. */
const DEFAULT_RETRY_AFTER_MS = 5_000;

/**
 * Maps what a Bot API call threw (telegraf's TelegramError, a raw `{ok:false,...}` body, or a
 * network error) to the error class that tells egress whether to retry, wait or give up.
 */
export function classifyTelegramError(error: unknown): AppError {
  if (error instanceof AppError) return error;
  redactToken(error);
  const body = errorBodyOf(error);
  if (body) return classifyBody(body, error);
  if (isNetworkError(error)) {
    return new RetryableError('network_error', `Telegram API unreachable: ${messageOf(error)}`, { cause: error });
  }
  return new RetryableError('unexpected_error', `Telegram API call failed: ${messageOf(error)}`, { cause: error });
}

function classifyBody(body: TelegramErrorBody, cause: unknown): AppError {
  const { error_code: status, description } = body;
  const options = { cause, details: { errorCode: status, description } };
  if (status === 429) {
    const seconds = body.parameters?.retry_after ?? Number(/retry after (\d+)/i.exec(description)?.[1] ?? Number.NaN);
    const retryAfterMs = Number.isFinite(seconds) ? seconds * 1000 : DEFAULT_RETRY_AFTER_MS;
    return new RateLimitedError('rate_limited', description, retryAfterMs, options);
  }
  if (status === 403 && BLOCKED.test(description)) return new PermanentError('recipient_blocked', description, options);
  if (status === 400 && NOT_FOUND.test(description)) return new PermanentError('recipient_not_found', description, options);
  // a bad or revoked token: 401 Unauthorized, or 404 when the token is malformed
  if (status === 401 || status === 404) return new PermanentError('channel_auth_failed', description, options);
  // 409: a webhook and getUpdates conflict, or a concurrent request; it clears on its own
  if (status >= 500 || status === 409) return new RetryableError(`upstream_${status}`, description, options);
  if (status >= 400) return new PermanentError('rejected', description, options);
  return new RetryableError('unexpected_error', description, options);
}

function errorBodyOf(error: unknown): TelegramErrorBody | undefined {
  // telegraf throws TelegramError(body); for HTTP >= 500 it drops the body and uses the status text
  const candidate = error instanceof TelegramError ? { ok: false, ...error.response } : error;
  const parsed = ErrorBody.safeParse(candidate);
  return parsed.success ? parsed.data : undefined;
}

function isNetworkError(error: unknown): boolean {
  if (!(error instanceof Error)) return false;
  const { code } = error as Error & { code?: unknown };
  if (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) return true;
  // node-fetch v2 (used by telegraf): FetchError type 'system' | 'request-timeout' | 'body-timeout' |
  // 'invalid-json' (an HTML page from a proxy instead of the API's JSON)
  if (error.name === 'FetchError') return true;
  if (error.name === 'AbortError' || error.name === 'TimeoutError') return true;
  // global fetch: TypeError('fetch failed', { cause: { code } })
  return error instanceof TypeError && error.message === 'fetch failed';
}

const TOKEN_IN_URL = /\/(bot|user)\d+:[A-Za-z0-9_-]+/g;

/**
 * telegraf redacts the token from errors thrown by fetch() but not from those thrown by
 * res.json() (node-fetch 'invalid-json' names the full URL), so scrub before anything logs it.
 */
function redactToken(error: unknown): void {
  if (error instanceof Error) error.message = error.message.replace(TOKEN_IN_URL, '/$1[REDACTED]');
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
