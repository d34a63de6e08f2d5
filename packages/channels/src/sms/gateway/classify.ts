import { PermanentError, RateLimitedError, RetryableError, type AppError } from '@switchboard/errors';
import { retryAfterMs } from '../http.ts';

/** A gateway's non-2xx answer: 429 waits Retry-After, 5xx retries, other 4xx are final. */
export function classifyGatewayError(status: number, body: unknown, retryAfter?: string | null): AppError {
  const detail = typeof body === 'object' && body !== null && 'error' in body ? String((body as { error: unknown }).error) : undefined;
  const text = `the SMS gateway answered HTTP ${status}${detail ? `: ${detail}` : ''}`;
  const options = { details: { status } };
  if (status === 429) return new RateLimitedError('rate_limited', text, retryAfterMs(retryAfter), options);
  if (status === 408 || status >= 500) return new RetryableError(`upstream_${status}`, text, options);
  if (status === 401 || status === 403) return new PermanentError('channel_auth_failed', text, options);
  if (status >= 400) return new PermanentError(`gateway_${status}`, text, options);
  return new RetryableError('unexpected_response', text, options);
}
