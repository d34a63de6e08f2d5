import { getInboxWithSecrets, type Inbox } from './inboxes.ts';
import type { Pool } from './pool.ts';
import type { SecretBox } from './secret-box.ts';

type Loaded = Inbox & { secrets: Record<string, unknown> };

/**
 * Inboxes with decrypted secrets, cached briefly: sending must not read and decrypt the
 * inbox for every message, and a changed bot token is picked up within `ttlMs`.
 */
export function createInboxCache(pool: Pool, box: SecretBox, ttlMs = 30_000) {
  const entries = new Map<string, { at: number; value: Promise<Loaded | undefined> }>();
  return {
    get(id: string): Promise<Loaded | undefined> {
      const hit = entries.get(id);
      if (hit && Date.now() - hit.at < ttlMs) return hit.value;
      const value = getInboxWithSecrets(pool, box, id);
      entries.set(id, { at: Date.now(), value });
      value.catch(() => entries.delete(id));
      return value;
    },
  };
}
export type InboxCache = ReturnType<typeof createInboxCache>;
