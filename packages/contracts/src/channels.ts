import { z } from 'zod';

/** Every channel Switchboard knows. A channel is added here and in packages/channels' registry. */
export const CHANNELS = ['telegram', 'webchat', 'email', 'sms', 'whatsapp', 'messenger', 'instagram', 'viber', 'vk', 'wechat', 'voice'] as const;
export const ChannelId = z.enum(CHANNELS);
export type ChannelId = z.infer<typeof ChannelId>;

/** Channels with a working ingress and egress in this build. */
export const ENABLED_CHANNELS = ['telegram', 'webchat', 'email', 'whatsapp', 'messenger', 'instagram', 'sms'] as const satisfies readonly ChannelId[];
export type EnabledChannel = (typeof ENABLED_CHANNELS)[number];

/**
 * Channels that take free-form messages only for this many hours after the customer's last
 * message (WhatsApp's customer service window, Meta's standard messaging window). Their
 * adapters' capabilities read it from here, and so does the survey opener, which lives below
 * packages/channels.
 */
export const REPLY_WINDOW_HOURS: Readonly<Partial<Record<ChannelId, number>>> = { whatsapp: 24, messenger: 24, instagram: 24 };

/** Agents' capacity pools: each enabled channel, plus `voice` for callback requests (phone work). */
export const CAPACITY_POOLS = [...ENABLED_CHANNELS, 'voice'] as const;
export type CapacityPool = (typeof CAPACITY_POOLS)[number];
