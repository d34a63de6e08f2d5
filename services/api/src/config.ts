import { z } from 'zod';
import { blobEnv, databaseEnv, httpEnv, logEnv, redisEnv, secretKeyEnv } from '@switchboard/config';

export const apiEnv = {
  ...databaseEnv,
  ...redisEnv,
  ...logEnv,
  ...blobEnv,
  ...secretKeyEnv,
  ...httpEnv(3000),
  /** Bootstraps the first admin; use it to create agents and their tokens. */
  SWITCHBOARD_ADMIN_TOKEN: z.string({ error: 'is required: a long random string used as the bootstrap admin bearer token' }).min(24, 'must be at least 24 characters'),
  /** Public base URL of ingress-telegram, used to build the webhook URL returned for an inbox. */
  TELEGRAM_WEBHOOK_BASE_URL: z.url().default('http://localhost:3001'),
  /** Public base URL of ingress-webchat, returned for web-chat inboxes. */
  WEBCHAT_BASE_URL: z.url().default('http://localhost:3002'),
  /** Public base URLs of the webhook ingresses, used to build the webhook URL returned for their inboxes. */
  WHATSAPP_WEBHOOK_BASE_URL: z.url().default('http://localhost:3006'),
  META_WEBHOOK_BASE_URL: z.url().default('http://localhost:3007'),
  SMS_WEBHOOK_BASE_URL: z.url().default('http://localhost:3008'),
  /** Requests per minute per API token (the bootstrap admin token counts as one); over it: 429 with Retry-After. */
  API_RATE_LIMIT_PER_MIN: z.coerce.number().int().min(1).default(600),
};
