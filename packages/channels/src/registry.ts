import type { ChannelId, EnabledChannel } from '@switchboard/contracts';
import { PermanentError } from '@switchboard/errors';
import type { ChannelAdapter } from './contract.ts';
import { emailAdapter } from './email/adapter.ts';
import { telegramAdapter } from './telegram/index.ts';
import { webchatAdapter } from './webchat/index.ts';
import { whatsappAdapter } from './whatsapp/index.ts';
import { instagramAdapter } from './instagram/index.ts';
import { messengerAdapter } from './messenger/index.ts';
import { smsAdapter } from './sms/index.ts';

/** Every channel with a working adapter. Adding a channel: its folder, then one line here. */
export const adapters = {
  telegram: telegramAdapter,
  webchat: webchatAdapter,
  email: emailAdapter,
  whatsapp: whatsappAdapter,
  messenger: messengerAdapter,
  instagram: instagramAdapter,
  sms: smsAdapter,
} as const satisfies Record<EnabledChannel, ChannelAdapter>;

/** The adapter of `channel`; throws PermanentError 'channel_not_enabled' for channels without one. */
export function getAdapter(channel: ChannelId): ChannelAdapter {
  if (!Object.hasOwn(adapters, channel)) {
    throw new PermanentError('channel_not_enabled', `no adapter for channel ${channel}`);
  }
  return adapters[channel as EnabledChannel];
}
