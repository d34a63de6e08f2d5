import { z } from 'zod';
import { PayloadError } from '@switchboard/errors';
import type { ChannelAdapter } from '../contract.ts';
import { EmailConfig } from './config.ts';

const Host = z.string().min(1).max(255);
const Port = z.number().int().min(1).max(65535);

/** The inbox's settings as stored: the address plus the IMAP account and SMTP relay. */
export const EmailInboxConfig = EmailConfig.extend({
  imap: z.object({
    host: Host,
    port: Port.default(993),
    /** TLS from the first byte (993); false uses STARTTLS when offered (143). */
    secure: z.boolean().default(true),
    user: z.string().min(1).max(320),
    folder: z.string().min(1).max(200).optional(),
    /** Move queued mail here; without it queued mail is only flagged \Seen. */
    moveTo: z.string().min(1).max(200).optional(),
  }),
  smtp: z.object({
    host: Host,
    port: Port.default(465),
    secure: z.boolean().default(true),
    /** Defaults to the IMAP user, as with Gmail, Yandex and Mail.ru app passwords. */
    user: z.string().min(1).max(320).optional(),
  }),
});
export type EmailInboxConfig = z.infer<typeof EmailInboxConfig>;

export const EmailSecrets = z.object({
  imapPassword: z.string().min(1).max(1000),
  /** Defaults to the IMAP password. */
  smtpPassword: z.string().min(1).max(1000).optional(),
});
export type EmailSecrets = z.infer<typeof EmailSecrets>;

// Mail arrives over IMAP (services/ingress-email), never through a webhook: there is no request
// to verify, and normalizing needs the async parse, so both live in the ingress.
export const emailAdapter: ChannelAdapter<EmailInboxConfig, EmailSecrets> = {
  channel: 'email',
  // ~18 MB of files is ~25 MB once base64-encoded: the common limit of Gmail, Yandex and Mail.ru
  capabilities: { text: true, media: true, maxTextLength: 100_000, maxAttachmentBytes: 18 * 1024 * 1024, maxAttachmentTotalBytes: 18 * 1024 * 1024 },
  configSchema: EmailInboxConfig,
  secretsSchema: EmailSecrets,
  verify() {},
  normalize() {
    throw new PayloadError('email mail is normalized by parseEmail + normalizeEmail in the ingress');
  },
  // a resent reply carries the same Message-ID (derived from our id), which mail clients dedupe
  resendIsSafe: () => true,
};
