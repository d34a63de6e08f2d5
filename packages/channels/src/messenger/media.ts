import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import type { FetchedMedia, MediaFetcher } from '../contract.ts';
import { readCapped } from '../shared/read-capped.ts';
import { classifyMetaNetworkError, retryAfterMs } from './classify.ts';

export interface MetaMediaFetcherDeps {
  fetch?: typeof globalThis.fetch;
  /** Per download. Default 60 s. */
  timeoutMs?: number;
}

/**
 * Downloads an inbound Messenger or Instagram attachment. Its `externalId` is the webhook's
 * `payload.url`: a signed CDN url (lookaside.fbsbx.com, scontent…) that needs no token, so the
 * page token is never sent to it. The url expires (Instagram stories within a day): 403/404/410
 * is permanent. Over `maxBytes` → PermanentError('attachment_too_large') before reading it all.
 */
export function createMetaMediaFetcher(channel: string, deps: MetaMediaFetcherDeps = {}): MediaFetcher {
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 60_000;
  return async (attachment, _inbox, { maxBytes }) => {
    const url = parseUrl(attachment.externalId);
    if (!url) throw new PermanentError('media_url_invalid', `${channel} attachment has no http(s) url`);
    let res: Response;
    try {
      res = await fetchImpl(url, { signal: AbortSignal.timeout(timeoutMs) });
    } catch (error) {
      throw classifyMetaNetworkError(channel, error);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      const code = `${channel}_media_${res.status}`;
      if (res.status === 429) throw new RateLimitedError(code, 'media download rate limited', retryAfterMs(res.headers.get('retry-after')) ?? 30_000);
      if (res.status >= 500 || res.status === 408) throw new RetryableError(code, `media download failed with HTTP ${res.status}`);
      throw new PermanentError(code, `media download refused with HTTP ${res.status} (the url may have expired)`);
    }
    const bytes = await readCapped(res, maxBytes, (error) => classifyMetaNetworkError(channel, error));
    const contentType = res.headers.get('content-type')?.split(';')[0]?.trim() || attachment.mimeType || 'application/octet-stream';
    const fileName = attachment.fileName ?? fileNameOf(res.headers.get('content-disposition'), url);
    const media: FetchedMedia = { bytes, contentType };
    if (fileName) media.fileName = fileName;
    return media;
  };
}

function parseUrl(value: string): URL | undefined {
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:' ? url : undefined;
  } catch {
    return undefined;
  }
}

function fileNameOf(disposition: string | null, url: URL): string | undefined {
  const quoted = disposition ? /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition)?.[1] : undefined;
  if (quoted) return decodeURIComponentSafe(quoted);
  const last = url.pathname.split('/').pop();
  return last && /\.[A-Za-z0-9]{1,8}$/.test(last) ? decodeURIComponentSafe(last) : undefined;
}

function decodeURIComponentSafe(value: string): string {
  try {
    return decodeURIComponent(value);
  } catch {
    return value;
  }
}

/** Messenger inbound media. */
export function createMessengerMediaFetcher(deps: MetaMediaFetcherDeps = {}): MediaFetcher {
  return createMetaMediaFetcher('messenger', deps);
}
