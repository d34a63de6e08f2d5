import { z } from 'zod';
import type { ChannelAdapter } from '../contract.ts';
import { normalizeWebchatMessage } from './normalize.ts';
import { verifyWebchatRequest } from './verify.ts';
import { WEBCHAT_MAX_TEXT_LENGTH } from './wire.ts';

export const WebchatConfig = z.object({
  /** Origins (scheme://host[:port]) allowed to embed the widget; empty allows any. */
  allowedOrigins: z.array(z.string()).default([]),
});
export type WebchatConfig = z.infer<typeof WebchatConfig>;

export const WebchatSecrets = z.object({
  /** Base64 of 32 random bytes: the HMAC key of this inbox's visitor tokens. */
  visitorTokenKey: z.string().refine((key) => Buffer.from(key, 'base64').length === 32, 'must be base64 of 32 bytes'),
});
export type WebchatSecrets = z.infer<typeof WebchatSecrets>;

export const webchatAdapter: ChannelAdapter<WebchatConfig, WebchatSecrets> = {
  channel: 'webchat',
  capabilities: { text: true, media: false, maxTextLength: WEBCHAT_MAX_TEXT_LENGTH, maxAttachmentBytes: 0, maxAttachmentTotalBytes: 0 },
  configSchema: WebchatConfig,
  secretsSchema: WebchatSecrets,
  verify: verifyWebchatRequest,
  normalize: normalizeWebchatMessage,
};
