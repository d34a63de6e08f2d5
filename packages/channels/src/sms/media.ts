import { PermanentError, RateLimitedError, RetryableError } from '@switchboard/errors';
import type { MediaFetcher } from '../contract.ts';
import { request, retryAfterMs } from './http.ts';
import { basicAuth, TWILIO_API_ROOT } from './twilio/send.ts';
import { SmsConfig, SmsSecrets } from './wire.ts';
import { readCapped } from '../shared/read-capped.ts';

export interface SmsMediaFetcherDeps {
  /** Twilio REST root: media URLs must be on it, so the credentials go nowhere else. */
  apiRoot?: string;
  fetch?: typeof fetch;
}

/**
 * Downloads an inbound MMS file: `externalId` is Twilio's MediaUrl, fetched with HTTP basic auth
 * (account sid : auth token). Twilio answers with a redirect to its media store; fetch drops
 * the Authorization header when the redirect leaves the origin. Gateways send no media.
 */
export function createSmsMediaFetcher(deps: SmsMediaFetcherDeps = {}): MediaFetcher {
  const doFetch = deps.fetch ?? fetch;
  const trustedOrigin = new URL(deps.apiRoot ?? TWILIO_API_ROOT).origin;
  return async (attachment, inbox, { maxBytes }) => {
    const config = SmsConfig.safeParse(inbox.config);
    const secrets = SmsSecrets.safeParse(inbox.secrets);
    if (!config.success || !secrets.success) throw new PermanentError('inbox_misconfigured', 'the SMS inbox has an invalid config or secrets');
    if (config.data.provider !== 'twilio') throw new PermanentError('media_not_supported', 'SMS gateways send no media');
    if (!secrets.data.authToken) throw new PermanentError('channel_auth_failed', 'the inbox has no Twilio auth token');
    let url: URL;
    try {
      url = new URL(attachment.externalId);
    } catch {
      throw new PermanentError('media_not_found', 'the media handle is not a URL');
    }
    if (url.origin !== trustedOrigin) throw new PermanentError('media_untrusted_host', `media URL is not on ${trustedOrigin}`);

    const res = await request(doFetch, url.href, { headers: { authorization: basicAuth(config.data.accountSid, secrets.data.authToken) } }, 'Twilio media');
    if (res.status === 429) throw new RateLimitedError('rate_limited', 'Twilio media download rate-limited', retryAfterMs(res.headers.get('retry-after')));
    if (res.status >= 500) throw new RetryableError(`upstream_${res.status}`, `Twilio media answered HTTP ${res.status}`);
    if (res.status === 401 || res.status === 403) throw new PermanentError('channel_auth_failed', `Twilio media answered HTTP ${res.status}`);
    if (!res.ok) throw new PermanentError('media_not_found', `Twilio media answered HTTP ${res.status}`);
    const bytes = await readCapped(res, maxBytes, (error) => new RetryableError('network_error', 'the media download broke off', { cause: error }));
    return { bytes, contentType: res.headers.get('content-type')?.split(';')[0]?.trim() || attachment.mimeType || 'application/octet-stream' };
  };
}
