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
  /** Graph API roots (WhatsApp Cloud API; Messenger and Instagram Send API) and Twilio's: a local fake in tests, a proxy in locked-down networks. */
  WHATSAPP_API_ROOT: z.url().default('https://graph.facebook.com'),
  META_GRAPH_API_ROOT: z.url().default('https://graph.facebook.com'),
  TWILIO_API_ROOT: z.url().default('https://api.twilio.com'),
  /** A Telegram Bot API call unanswered this long is abandoned and the reply retried. */
  TELEGRAM_SEND_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  /** Public base URL of ingress-sms: Twilio reports each reply's status to `<base>/webhooks/sms/<inbox>`. Unset: only if the inbox sets statusCallbackUrl. */
  SMS_WEBHOOK_BASE_URL: z.url().optional(),
  /** Public base URL of the API: email survey links point to `<base>/survey/<token>` (docs/surveys.md). */
  API_PUBLIC_BASE_URL: z.url().default('http://localhost:3000'),
  EGRESS_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(8),
  /** Outbound webhooks to loopback addresses: for development only (`pnpm start` sets it). */
  WEBHOOK_ALLOW_LOOPBACK: z.stringbool({ error: 'must be true or false' }).default(false),
  /** Outbound webhooks to private networks (RFC 1918, fc00::/7): on by default, a self-hosted desk's CRM usually lives on one. */
  WEBHOOK_ALLOW_PRIVATE_NETWORKS: z.stringbool({ error: 'must be true or false' }).default(true),
  /** Replies still `queued` this long after being written are re-enqueued (enqueue lost after commit). */
  EGRESS_SWEEP_INTERVAL_MS: z.coerce.number().int().min(1000).default(30_000),
};
