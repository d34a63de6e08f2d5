import { z } from 'zod';
import type { ChannelAdapter } from '../contract.ts';
import { normalizeWebchatMessage } from './normalize.ts';
import { verifyWebchatRequest } from './verify.ts';
import { WEBCHAT_MAX_TEXT_LENGTH } from './wire.ts';

/** Images, PDF, plain text and office documents: what customers send support, nothing executable. */
export const DEFAULT_UPLOAD_TYPES = [
  'image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain', 'text/csv',
  'application/msword', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.ms-excel', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
];

export const WebchatConfig = z.object({
  /** Origins (scheme://host[:port]) allowed to embed the widget; empty allows any. */
  allowedOrigins: z.array(z.string()).default([]),
  /** An email inbox: offline-form messages with an email address become conversations there, answered by email. */
  offlineEmailInboxId: z.uuid().optional(),
  /** An SMS inbox: offline-form messages with only a phone number become conversations there, answered by SMS. */
  offlineSmsInboxId: z.uuid().optional(),
  /** Whether the widget offers "call me back". */
  callbacks: z.boolean().default(true),
  uploads: z
    .object({
      maxBytes: z.number().int().min(0).max(50 * 1024 * 1024).default(10 * 1024 * 1024),
      allowedTypes: z.array(z.string().regex(/^[a-z0-9.+-]+\/[a-z0-9.+*-]+$/)).default(DEFAULT_UPLOAD_TYPES),
    })
    .prefault({}),
});
export type WebchatConfig = z.infer<typeof WebchatConfig>;

export const WebchatSecrets = z.object({
  /** Base64 of 32 random bytes: the HMAC key of this inbox's visitor tokens. */
  visitorTokenKey: z.string().refine((key) => Buffer.from(key, 'base64').length === 32, 'must be base64 of 32 bytes'),
  /** Signs logged-in users' ids on the site's server (HMAC-SHA256); without it identities are refused. */
  identitySecret: z.string().min(16).max(256).optional(),
});
export type WebchatSecrets = z.infer<typeof WebchatSecrets>;

export const webchatAdapter: ChannelAdapter<WebchatConfig, WebchatSecrets> = {
  channel: 'webchat',
  // agents' files are downloaded by the visitor from ingress-webchat (the blob store), one link each
  capabilities: {
    text: true,
    media: true,
    maxTextLength: WEBCHAT_MAX_TEXT_LENGTH,
    maxAttachmentBytes: 50 * 1024 * 1024,
    maxAttachmentTotalBytes: 10 * 50 * 1024 * 1024,
  },
  configSchema: WebchatConfig,
  secretsSchema: WebchatSecrets,
  verify: verifyWebchatRequest,
  normalize: normalizeWebchatMessage,
  // the widget keys messages by our id: a second push of a reply replaces the first
  resendIsSafe: () => true,
};
