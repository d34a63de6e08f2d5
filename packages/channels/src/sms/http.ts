import { AppError, RetryableError } from '@switchboard/errors';

/** A 429 without Retry-After waits this long rather than hammering the provider. */
export const DEFAULT_RETRY_AFTER_MS = 5_000;
/** Twilio drops webhooks after 15 s; our own calls get the same budget. */
export const REQUEST_TIMEOUT_MS = 15_000;

/** Retry-After as delta-seconds or an HTTP date → milliseconds (default when absent or unreadable). */
export function retryAfterMs(header: string | null | undefined, nowMs = Date.now()): number {
  if (!header) return DEFAULT_RETRY_AFTER_MS;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const date = Date.parse(trimmed);
  return Number.isNaN(date) ? DEFAULT_RETRY_AFTER_MS : Math.max(date - nowMs, 0);
}

/** fetch that turns a network failure or timeout into RetryableError('network_error'). */
export async function request(doFetch: typeof fetch, url: string, init: RequestInit, what: string): Promise<Response> {
  try {
    return await doFetch(url, { ...init, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new RetryableError('network_error', `${what} unreachable: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The body as JSON, or undefined when it is not JSON (a proxy's HTML error page). */
export async function jsonOf(res: Response): Promise<unknown> {
  const text = await res.text().catch(() => '');
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
