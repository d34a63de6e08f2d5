import { z } from 'zod';
import { blobEnv, databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const egressEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...blobEnv,
  ...httpEnv(3004),
  TELEGRAM_API_ROOT: z.url().default('https://api.telegram.org'),
  EGRESS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Replies still `queued` this long after being written are re-enqueued (enqueue lost after commit). */
  EGRESS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
};
