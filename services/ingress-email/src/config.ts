import { z } from 'zod';
import { blobEnv, databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressEmailEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...blobEnv,
  ...secretKeyEnv,
  ...httpEnv(3005),
  /** Fallback poll for servers whose IDLE never reports new mail. */
  EMAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** How often new email inboxes are picked up. */
  EMAIL_INBOX_REFRESH_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** SMTP receiver for an MTA that forwards support mail; unset = disabled. */
  EMAIL_SMTP_PORT: z.coerce.number().int().min(1).max(65_535).optional(),
  EMAIL_SMTP_HOST: z.string().min(1).default('0.0.0.0'),
  /** Largest mail the SMTP receiver accepts (advertised as SIZE, enforced while reading). */
  EMAIL_SMTP_MAX_BYTES: z.coerce.number().int().min(1_024).default(25 * 1024 * 1024),
  /** Both set: the MTA must AUTH with them; unset: no AUTH (keep the port private). */
  EMAIL_SMTP_USER: z.string().min(1).optional(),
  EMAIL_SMTP_PASSWORD: z.string().min(1).optional(),
};
