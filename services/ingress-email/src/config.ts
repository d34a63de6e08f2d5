import { z } from 'zod';
import { databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressEmailEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3005),
  /** Fallback poll for servers whose IDLE never reports new mail. */
  EMAIL_POLL_INTERVAL_MS: z.coerce.number().int().min(1_000).default(60_000),
  /** How often new email inboxes are picked up. */
  EMAIL_INBOX_REFRESH_MS: z.coerce.number().int().min(1_000).default(60_000),
};
