import type { MediaFetcher } from '../contract.ts';
import { readCapped, tooLarge } from '../shared/read-capped.ts';
import { classifyWhatsAppError } from './classify.ts';
import { graphCall, graphInbox, graphJson, type GraphDeps } from './graph.ts';
import { MediaInfo } from './wire.ts';

export type WhatsAppMediaFetcherDeps = GraphDeps;

/**
 * Downloads inbound media: `GET /{version}/{media-id}` gives a short-lived URL and the size,
 * then `GET url`, which also needs the bearer token. A file over `maxBytes` is refused before
 * its bytes are read (PermanentError `attachment_too_large`); network errors and 5xx retry.
 */
export function createWhatsAppMediaFetcher(deps: WhatsAppMediaFetcherDeps = {}): MediaFetcher {
  return async (attachment, inbox, { maxBytes }) => {
    const wa = graphInbox(deps, inbox);
    const infoUrl = `${wa.base}/${encodeURIComponent(attachment.externalId)}?phone_number_id=${encodeURIComponent(wa.phoneNumberId)}`;
    const info = await graphJson(await graphCall(deps, wa.token, infoUrl), MediaInfo, 'media');
    if (info.file_size !== undefined && info.file_size > maxBytes) throw tooLarge(info.file_size, maxBytes);

    const res = await graphCall(deps, wa.token, info.url);
    const bytes = await readCapped(res, maxBytes, classifyWhatsAppError);
    const contentType = attachment.mimeType ?? info.mime_type ?? res.headers.get('content-type') ?? 'application/octet-stream';
    return { bytes, contentType, ...(attachment.fileName && { fileName: attachment.fileName }) };
  };
}
