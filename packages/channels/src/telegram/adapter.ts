import { z } from 'zod';
import type { ChannelAdapter } from '../contract.ts';
import { normalizeTelegramUpdate } from './normalize.ts';
import { verifyTelegramRequest } from './verify.ts';
import { TELEGRAM_MAX_TEXT_LENGTH } from './wire.ts';

export const TelegramConfig = z.object({
  /** One or the other: getUpdates answers 409 while a webhook is set. */
  mode: z.enum(['webhook', 'polling']).default('webhook'),
});
export type TelegramConfig = z.infer<typeof TelegramConfig>;

export const TelegramSecrets = z.object({
  botToken: z.string().regex(/^\d+:[A-Za-z0-9_-]+$/),
  /** setWebhook's secret_token: 1-256 characters of A-Z a-z 0-9 _ - */
  webhookSecret: z.string().regex(/^[A-Za-z0-9_-]{1,256}$/),
});
export type TelegramSecrets = z.infer<typeof TelegramSecrets>;

export const telegramAdapter: ChannelAdapter<TelegramConfig, TelegramSecrets> = {
  channel: 'telegram',
  // Bot API uploads: 50 MB per file (photos over 10 MB go as documents); files go one message each.
  // About 30 messages/s per bot overall (and ~1/s per chat, which bursts tolerate)
  capabilities: {
    text: true,
    media: true,
    maxTextLength: TELEGRAM_MAX_TEXT_LENGTH,
    maxAttachmentBytes: 50 * 1024 * 1024,
    maxAttachmentTotalBytes: 10 * 50 * 1024 * 1024,
    sendRatePerSecond: 30,
  },
  configSchema: TelegramConfig,
  secretsSchema: TelegramSecrets,
  verify: verifyTelegramRequest,
  normalize: normalizeTelegramUpdate,
};
