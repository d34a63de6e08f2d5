import type { MediaFetcher } from '../contract.ts';
import { createMetaMediaFetcher, type MetaMediaFetcherDeps } from '../messenger/media.ts';

/** Instagram inbound media: the attachment's CDN `payload.url` (story urls expire within a day). */
export function createInstagramMediaFetcher(deps: MetaMediaFetcherDeps = {}): MediaFetcher {
  return createMetaMediaFetcher('instagram', deps);
}
