import { webchatAdapter, type InboxContext, type WebchatConfig, type WebchatSecrets } from '@switchboard/channels';
import { createTtlCache, getInboxWithSecrets, type Pool, type SecretBox, type TtlCache } from '@switchboard/db';
import { HttpError, notFound, RetryableError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';


/** A web-chat inbox with its parsed config and its decoded visitor-token key. */
export interface WebchatInbox extends InboxContext<WebchatConfig, WebchatSecrets> {
  tokenKey: Buffer;
}

/** An admin's change to an inbox (allowed origins, a rotated key) is picked up within this. */
export const INBOX_CACHE_TTL_MS = 30_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface WebchatInboxes {
  /**
   * The inbox, or a 404 HttpError when it does not exist or is not a web-chat inbox; a
   * RetryableError (503) when it cannot be loaded.
   */
  require(inboxId: string): Promise<WebchatInbox>;
  cache: TtlCache<WebchatInbox | null>;
}

export function createWebchatInboxes(deps: { pool: Pool; secretBox: SecretBox; logger: Logger; ttlMs?: number }): WebchatInboxes {
  const cache = createTtlCache<WebchatInbox | null>({
    ttlMs: deps.ttlMs ?? INBOX_CACHE_TTL_MS,
    // null (not undefined) is cached: a flood of requests for an unknown inbox costs one query
    load: async (id) => {
      const row = await getInboxWithSecrets(deps.pool, deps.secretBox, id);
      if (!row || row.channel !== 'webchat') return null;
      const config = webchatAdapter.configSchema.safeParse(row.config);
      const secrets = webchatAdapter.secretsSchema.safeParse(row.secrets);
      if (!config.success || !secrets.success) {
        deps.logger.error({ inboxId: id }, 'web-chat inbox has an invalid config or visitor token key');
        return null;
      }
      return {
        id: row.id,
        channel: 'webchat',
        config: config.data,
        secrets: secrets.data,
        tokenKey: Buffer.from(secrets.data.visitorTokenKey, 'base64'),
      };
    },
  });
  return {
    cache,
    async require(inboxId) {
      if (!UUID.test(inboxId)) throw notFound('inbox');
      let inbox: WebchatInbox | null | undefined;
      try {
        inbox = await cache.get(inboxId);
      } catch (error) {
        // PostgreSQL unreachable: a 503 tells the widget to retry, not that the inbox is gone
        throw new RetryableError('database_unavailable', 'could not load the inbox', { cause: error });
      }
      if (!inbox) throw notFound('inbox');
      return inbox;
    },
  };
}

/** With allowed origins configured, only those sites may embed the widget; none configured allows any. */
export function isOriginAllowed(inbox: WebchatInbox, origin: string | undefined): boolean {
  const allowed = inbox.config.allowedOrigins;
  return allowed.length === 0 || (origin !== undefined && allowed.includes(origin));
}

export function assertOriginAllowed(inbox: WebchatInbox, origin: string | undefined): void {
  if (!isOriginAllowed(inbox, origin)) throw new HttpError(403, 'origin_not_allowed', 'this site may not use this inbox');
}

