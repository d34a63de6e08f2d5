import { z } from 'zod';
import { databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressTelegramEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3001),
  /** Bot API root; point it at a local Bot API server or a test double. */
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  /** Long-poll timeout (seconds) for inboxes in polling mode. */
  TELEGRAM_POLL_TIMEOUT_S: z.coerce.number().int().min(0).max(50).default(25),
};
