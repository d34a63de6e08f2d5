import { PermanentError, RetryableError } from '@switchboard/errors';
import type { MediaFetcher } from '../contract.ts';
import { readCapped, tooLarge } from '../shared/read-capped.ts';
import { classifyTelegramError } from './classify.ts';
import { botTokenOf, DEFAULT_API_ROOT, DEFAULT_TIMEOUT_MS, telegramClient, withTrailingSlash, type TelegramClientOptions } from './client.ts';

/** The Bot API hands bots files of at most 20 MB (larger ones: "file is too big"). */
export const TELEGRAM_MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024;

/**
 * Downloads an inbound photo, document, voice note... by its `file_id`: `getFile` gives a
 * `file_path` (valid for at least an hour), then `GET <apiRoot>/file/bot<token>/<file_path>`.
 * A file over `maxBytes` or the Bot API's 20 MB is refused as `attachment_too_large` before its
 * bytes are read, and kept as metadata; network errors and 5xx retry.
 */
export function createTelegramMediaFetcher(options: TelegramClientOptions = {}): MediaFetcher {
  const apiRoot = withTrailingSlash(options.apiRoot ?? DEFAULT_API_ROOT);
  return async (attachment, inbox, { maxBytes }) => {
    const limit = Math.min(maxBytes, TELEGRAM_MAX_DOWNLOAD_BYTES);
    let file;
    try {
      file = await telegramClient(inbox, options).getFile(attachment.externalId);
    } catch (error) {
      const classified = classifyTelegramError(error);
      if (/file is too big/i.test(classified.message)) throw tooLarge(TELEGRAM_MAX_DOWNLOAD_BYTES + 1, limit);
      throw classified;
    }
    if (file.file_size !== undefined && file.file_size > limit) throw tooLarge(file.file_size, limit);
    if (!file.file_path) throw new PermanentError('media_unavailable', 'Telegram gave no file_path for the file');

    // the token is part of the URL: errors below must never carry the URL
    const url = `${apiRoot}file/bot${botTokenOf(inbox)}/${file.file_path}`;
    let res: Response;
    try {
      res = await fetch(url, { signal: AbortSignal.timeout(options.timeoutMs ?? DEFAULT_TIMEOUT_MS) });
    } catch (error) {
      throw new RetryableError('network_error', `Telegram file download failed: ${(error as Error).name}`);
    }
    if (!res.ok) {
      await res.body?.cancel().catch(() => undefined);
      if (res.status >= 500 || res.status === 429) throw new RetryableError(`upstream_${res.status}`, `Telegram file download answered HTTP ${res.status}`);
      throw new PermanentError(`media_${res.status}`, `Telegram file download refused with HTTP ${res.status}`);
    }
    const bytes = await readCapped(res, limit, (error) => new RetryableError('network_error', `Telegram file download broke off: ${(error as Error).name}`));
    const contentType = attachment.mimeType ?? res.headers.get('content-type')?.split(';')[0]?.trim() ?? 'application/octet-stream';
    const fileName = attachment.fileName ?? file.file_path.split('/').pop();
    return { bytes, contentType, ...(fileName && { fileName }) };
  };
}
