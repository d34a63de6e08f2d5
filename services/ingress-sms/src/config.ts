import { z } from 'zod';
import { blobEnv, databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressSmsEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3008),
  /** The store of agents' reply files, served to Twilio through signed links for MMS. */
  ...blobEnv,
  /**
   * The public base URL Twilio calls (https://hooks.example.com): Twilio signs the full URL, so
   * behind a proxy that rewrites scheme, host or port set this. Unset: rebuilt from the request.
   */
  WEBHOOK_PUBLIC_BASE_URL: z.url().optional(),
};
