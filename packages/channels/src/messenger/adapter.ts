import { z } from 'zod';
import { REPLY_WINDOW_HOURS } from '@switchboard/contracts';
import type { ChannelAdapter, ChannelCapabilities } from '../contract.ts';
import { normalizeMessengerWebhook } from './normalize.ts';
import { metaMessagingHandshake, verifyMetaMessagingRequest } from './verify.ts';
import { MESSENGER_MAX_TEXT_LENGTH } from './wire.ts';

/** A Graph API id: decimal digits, kept as a string. */
export const GraphIdString = z.string().regex(/^\d{1,40}$/, 'a numeric Graph API id');

export const MessengerConfig = z.object({ pageId: GraphIdString });
export type MessengerConfig = z.infer<typeof MessengerConfig>;

export const MetaMessagingSecrets = z.object({
  /** A page access token with pages_messaging (Instagram: instagram_manage_messages too). */
  pageAccessToken: z.string().min(10),
  /** The Meta app's secret: X-Hub-Signature-256 is an HMAC with it. */
  appSecret: z.string().min(8),
  /** What the admin typed into the app's webhook setup; Meta echoes it in the hub.challenge handshake. */
  verifyToken: z.string().min(8),
});
export type MetaMessagingSecrets = z.infer<typeof MetaMessagingSecrets>;

/**
 * What Meta's Send API allows (Messenger and Instagram): attachments up to 25 MB [mem], one file
 * per message; free-form replies for 24 h after the customer's last message (outside it only
 * tagged messages, which we do not send), no templates. Send rate: 300 calls/s per page or
 * Instagram account for text (10/s with audio or video), Meta "Messenger Platform rate limits".
 */
export const META_MESSAGING_CAPABILITIES = {
  text: true,
  media: true,
  maxAttachmentBytes: 25 * 1024 * 1024,
  maxAttachmentTotalBytes: 10 * 25 * 1024 * 1024,
  replyWindowHours: REPLY_WINDOW_HOURS.messenger,
  templates: false,
  sendRatePerSecond: 300,
} as const satisfies Omit<ChannelCapabilities, 'maxTextLength'>;

export const messengerAdapter: ChannelAdapter<MessengerConfig, MetaMessagingSecrets> = {
  channel: 'messenger',
  capabilities: { ...META_MESSAGING_CAPABILITIES, maxTextLength: MESSENGER_MAX_TEXT_LENGTH },
  configSchema: MessengerConfig,
  secretsSchema: MetaMessagingSecrets,
  verify: verifyMetaMessagingRequest,
  normalize: normalizeMessengerWebhook,
  handshake: metaMessagingHandshake,
};
