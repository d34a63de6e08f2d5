import { getInboxWithSecrets, type Inbox } from './inboxes.ts';
import type { Pool } from './pool.ts';
import type { SecretBox } from './secret-box.ts';
import { createTtlCache } from './ttl-cache.ts';

type Loaded = Inbox & { secrets: Record<string, unknown> };

/**
 * Inboxes with decrypted secrets, cached briefly: ingress and egress must not read and decrypt
 * the inbox for every message, and a changed bot token is picked up within `ttlMs`. Unknown ids
 * are cached too and the cache is bounded, so webhook calls with random ids cost little.
 */
export function createInboxCache(pool: Pool, box: SecretBox, ttlMs = 30_000) {
  const cache = createTtlCache<Loaded>({ ttlMs, load: (id) => getInboxWithSecrets(pool, box, id) });
  return { get: (id: string) => cache.get(id), invalidate: cache.invalidate };
}
export type InboxCache = ReturnType<typeof createInboxCache>;
