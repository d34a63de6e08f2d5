import { AppError, PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import { GraphErrorBody } from './wire.ts';

/** Graph API codes that mean "slow down" (Meta "Messenger Platform error codes"; CHANNELS.md: 613, 4, 32). */
const RATE_LIMIT_CODES = new Set([4, 17, 32, 613, 80006]);
/** Transient on Meta's side: retry with backoff (2 "retry your request later", 1200 temporary send failure). */
const TRANSIENT_CODES = new Set([1, 2, 1200]);
/** The token or the app's permissions: an operator must act, retrying cannot help. */
const AUTH_CODES = new Set([10, 102, 190, 200, 230]);
/** Code 10 with this subcode: outside the 24-hour window without a message tag. */
const OUTSIDE_WINDOW_SUBCODE = 2018278;
/** When Meta names no wait (it rarely sends Retry-After), wait this long. */
const DEFAULT_RETRY_AFTER_MS = 60_000;

const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE', 'EHOSTUNREACH', 'ENETUNREACH', 'ECONNABORTED']);

/** A Graph API answer that was not a success. */
export interface MetaGraphFailure {
  status: number;
  body: unknown;
  /** The Retry-After header, if any (seconds or an HTTP date). */
  retryAfter?: string | null;
}

/**
 * Maps a failed Send API call (its HTTP status and `{"error":{code,error_subcode,...}}` body) to
 * the error class that tells egress whether to retry, wait or give up. The code names the channel
 * and Meta's code (and subcode): `messenger_10_2018278`, `instagram_551`.
 */
export function classifyMetaSendError(channel: string, failure: MetaGraphFailure): AppError {
  const parsed = GraphErrorBody.safeParse(failure.body);
  const graph = parsed.success ? parsed.data.error : undefined;
  const status = failure.status;
  const code = graph?.code;
  const sub = graph?.error_subcode;
  const name = code === undefined ? `${channel}_http_${status}` : `${channel}_${code}${sub === undefined ? '' : `_${sub}`}`;
  const message = graph?.message || `HTTP ${status}`;
  const options = { details: { status, code, subcode: sub, type: graph?.type, fbtraceId: graph?.fbtrace_id } };

  if (status === 429 || (code !== undefined && RATE_LIMIT_CODES.has(code))) {
    return new RateLimitedError(name, message, retryAfterMs(failure.retryAfter) ?? DEFAULT_RETRY_AFTER_MS, options);
  }
  if (code === 10 && sub === OUTSIDE_WINDOW_SUBCODE) {
    return new PermanentError(name, `outside the 24-hour reply window: ${message}`, options);
  }
  if (graph?.is_transient || status >= 500 || (code !== undefined && TRANSIENT_CODES.has(code))) {
    return new RetryableError(name, message, options);
  }
  if (code !== undefined && AUTH_CODES.has(code)) return new PermanentError(name, `check the inbox's page access token: ${message}`, options);
  if (status >= 400) return new PermanentError(name, message, options);
  return new RetryableError(name, message, options);
}

/** A thrown fetch error (network, timeout) or an AppError passed through. */
export function classifyMetaNetworkError(channel: string, error: unknown): AppError {
  if (error instanceof AppError) return error;
  // duck-typed: undici's errors may come from another realm (instanceof fails under test runners)
  const e = (error ?? {}) as { name?: unknown; message?: unknown; code?: unknown; cause?: { code?: unknown } };
  const text = typeof e.message === 'string' ? e.message : String(error);
  const code = e.cause?.code ?? e.code;
  const network =
    (typeof code === 'string' && (NETWORK_CODES.has(code) || code.startsWith('UND_ERR'))) ||
    e.name === 'AbortError' || e.name === 'TimeoutError' ||
    (e.name === 'TypeError' && text === 'fetch failed');
  return new RetryableError(network ? 'network_error' : 'unexpected_error', `${channel} Graph API call failed: ${text}`, { cause: error });
}

/** Retry-After as seconds or an HTTP date → ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isFinite(at) ? Math.max(at - now, 0) : undefined;
}
