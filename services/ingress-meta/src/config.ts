import { z } from 'zod';
import { databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const ingressMetaEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...secretKeyEnv,
  ...httpEnv(3007),
  /** The public base URL Meta calls (e.g. https://hooks.example.com), when a proxy rewrites host or scheme. */
  WEBHOOK_PUBLIC_BASE_URL: z.url().optional(),
};
