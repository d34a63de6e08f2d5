import type { BlobStore } from '@switchboard/blob';
import type { Clock } from '@switchboard/routing';
import type { FastifyBaseLogger, FastifyInstance, RawReplyDefaultExpression, RawRequestDefaultExpression, RawServerDefault } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Pool, SecretBox } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import type { Redis } from 'ioredis';
import type { ReadinessChecks, Registry } from '@switchboard/runtime';

/** Everything the API needs, constructed by main.ts (or a test) and passed in. */
export type ApiDepsInput = Omit<ApiDeps, 'clock'> & { clock?: Clock };

export interface ApiDeps {
  pool: Pool;
  producer: Producer;
  secretBox: SecretBox;
  logger: Logger;
  /** SWITCHBOARD_ADMIN_TOKEN: bootstraps the first admin. */
  adminToken: string;
  /** Where platforms reach each ingress; optional ones default to the telegram base's host with the service's port. */
  publicUrls: { telegramWebhookBase: string; webchatBase: string; whatsappWebhookBase?: string; metaWebhookBase?: string; smsWebhookBase?: string };
  readiness: ReadinessChecks;
  isShuttingDown?: () => boolean;
  /** Attachment bytes stored by ingress-email; without a store no attachment can be downloaded. */
  blobs?: BlobStore;
  /** Redis PUBLISH, for live indicators to web-chat visitors (agent typing); without it they are skipped. */
  publish?: (channel: string, payload: string) => Promise<number>;
  /** Counts API rate limits (per token) and login attempts; without it neither is limited. */
  redis?: Redis;
  /**
   * QUEUE_PREFIX: with `redis`, the dead-letter routes and the queue dashboard reach the catalog's
   * queues under it; without it they have none (dead-letter routes answer 503).
   */
  queuePrefix?: string;
  /** Requests per minute per token (API_RATE_LIMIT_PER_MIN); default 600. */
  rateLimitPerMin?: number;
  /**
   * surveyLinkKey(SWITCHBOARD_SECRET_KEY): checks the signed links of survey mails at
   * `/survey/:token` (egress signs them with the same derived key). Without it there is no survey page.
   */
  surveyLinkKey?: Buffer;
  /** Routing's time source; tests pass a manual clock. Defaults to the system clock. */
  clock: Clock;
  /**
   * With a registry: `GET /metrics` (unauthenticated, like /healthz: keep it off the public
   * ingress), request timings, and with `redis` + `queuePrefix` the depth of every catalog queue.
   */
  metrics?: Registry;
}

/** The fastify instance routes are registered on: zod schemas type params, query, body and replies. */
export type ZodApp = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;
