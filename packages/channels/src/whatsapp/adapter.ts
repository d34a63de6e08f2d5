import { z } from 'zod';
import { REPLY_WINDOW_HOURS } from '@switchboard/contracts';
import type { ChannelAdapter } from '../contract.ts';
import { normalizeWhatsAppWebhook } from './normalize.ts';
import { verifyWhatsAppRequest, whatsAppHandshake } from './verify.ts';
import { WHATSAPP_DEFAULT_API_VERSION, WHATSAPP_MAX_TEXT_LENGTH } from './wire.ts';

export const WhatsAppConfig = z.object({
  /** The business number's id in Meta's Graph API (not the phone number itself). */
  phoneNumberId: z.string().regex(/^\d{1,32}$/, 'the numeric Phone number ID from the WhatsApp Manager'),
  /** Graph API version, e.g. v21.0. */
  apiVersion: z.string().regex(/^v\d+\.\d+$/).default(WHATSAPP_DEFAULT_API_VERSION),
});
export type WhatsAppConfig = z.infer<typeof WhatsAppConfig>;

export const WhatsAppSecrets = z.object({
  /** A system-user access token with whatsapp_business_messaging. */
  accessToken: z.string().min(1).max(4096),
  /** The Meta app's secret: signs webhooks (X-Hub-Signature-256). */
  appSecret: z.string().min(1).max(256),
  /** The token typed into the app's webhook settings; Meta echoes it in the subscription handshake. */
  verifyToken: z.string().min(1).max(256),
});
export type WhatsAppSecrets = z.infer<typeof WhatsAppSecrets>;

const MB = 1024 * 1024;

export const whatsappAdapter: ChannelAdapter<WhatsAppConfig, WhatsAppSecrets> = {
  channel: 'whatsapp',
  // Cloud API media limits: documents 100 MB (the largest kind; images over 5 MB and videos or
  // audio over 16 MB are sent as documents); each file is its own message
  capabilities: {
    text: true,
    media: true,
    maxTextLength: WHATSAPP_MAX_TEXT_LENGTH,
    maxAttachmentBytes: 100 * MB,
    maxAttachmentTotalBytes: 10 * 100 * MB,
    replyWindowHours: REPLY_WINDOW_HOURS.whatsapp,
    templates: true,
    // 80 messages/s per business number by default (Meta "Throughput"); inbound counts too
    sendRatePerSecond: 80,
  },
  configSchema: WhatsAppConfig,
  secretsSchema: WhatsAppSecrets,
  verify: verifyWhatsAppRequest,
  handshake: whatsAppHandshake,
  normalize: normalizeWhatsAppWebhook,
};
