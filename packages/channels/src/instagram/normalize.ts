import type { InboundEvent } from '@switchboard/contracts';
import type { InboxContext } from '../contract.ts';
import { normalizeMetaMessaging, type MetaMessagingProfile } from '../messenger/normalize.ts';

export const INSTAGRAM_PROFILE: MetaMessagingProfile = { channel: 'instagram', object: 'instagram', idPrefix: 'ig' };

/**
 * Instagram webhook (`object: instagram`, the Messenger envelope) → InboundEvent[] for the
 * inbox's account. Beyond Messenger's events: `like_heart` (a ❤️ message without payload),
 * `story_mention` / `share` / `reel` attachments (CDN urls that expire), story replies,
 * `is_deleted` (unsend → message_deleted), `read.mid` (messaging_seen → read status). Echoes
 * arrive in the same field and are dropped; the dashboard "Test" button's string seconds are read.
 */
export function normalizeInstagramWebhook(raw: unknown, inbox: InboxContext<{ igUserId: string }>, receivedAt: Date): InboundEvent[] {
  return normalizeMetaMessaging(INSTAGRAM_PROFILE, inbox.config.igUserId, raw, inbox, receivedAt);
}
