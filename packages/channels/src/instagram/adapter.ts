import { z } from 'zod';
import type { ChannelAdapter } from '../contract.ts';
import { GraphIdString, META_MESSAGING_CAPABILITIES, MetaMessagingSecrets } from '../messenger/adapter.ts';
import { metaMessagingHandshake, verifyMetaMessagingRequest } from '../messenger/verify.ts';
import { normalizeInstagramWebhook } from './normalize.ts';

/** Instagram Send API text limit (CHANNELS.md: 1000 characters). */
export const INSTAGRAM_MAX_TEXT_LENGTH = 1000;

/** `igUserId`: the Instagram professional account id, `recipient.id` of the webhooks. */
export const InstagramConfig = z.object({ igUserId: GraphIdString });
export type InstagramConfig = z.infer<typeof InstagramConfig>;

export const instagramAdapter: ChannelAdapter<InstagramConfig, MetaMessagingSecrets> = {
  channel: 'instagram',
  capabilities: { ...META_MESSAGING_CAPABILITIES, maxTextLength: INSTAGRAM_MAX_TEXT_LENGTH },
  configSchema: InstagramConfig,
  secretsSchema: MetaMessagingSecrets,
  verify: verifyMetaMessagingRequest,
  normalize: normalizeInstagramWebhook,
  handshake: metaMessagingHandshake,
};
