import Fastify, { type FastifyBaseLogger, type FastifyInstance } from 'fastify';
import { z } from 'zod';
import { telegramAdapter, type InboxContext, type InboundRequest } from '@switchboard/channels';
import type { InboxCache, Pool } from '@switchboard/db';
import { AppError, SignatureError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { countWebhookResponses, markParked, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute, type ReadinessChecks, type Registry } from '@switchboard/runtime';
import { acceptUpdate } from './accept-update.ts';

export interface TelegramIngressDeps {
  pool: Pool;
  producer: Producer;
  inboxes: InboxCache;
  logger: Logger;
  readiness: ReadinessChecks;
  isShuttingDown?: () => boolean;
  /** Bot API root for answering callback queries (default https://api.telegram.org). */
  apiRoot?: string;
  /** With a registry: `GET /metrics`, request timings and `switchboard_webhooks_total{channel="telegram"}`. */
  metrics?: Registry;
}

const Params = z.object({ inboxId: z.uuid() });

const error = (code: string, message: string) => ({ error: { code, message } });
/** fastify's own client errors (body too large, wrong content type), with the codes the API uses. */
const CLIENT_ERROR_CODES: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type' };

/** Loads a telegram inbox with its validated config and secrets, or undefined. */
export async function loadTelegramInbox(inboxes: InboxCache, id: string): Promise<InboxContext | undefined> {
  const inbox = await inboxes.get(id);
  if (!inbox || inbox.channel !== 'telegram') return undefined;
  return {
    id: inbox.id,
    channel: 'telegram',
    config: telegramAdapter.configSchema.parse(inbox.config),
    secrets: telegramAdapter.secretsSchema.parse(inbox.secrets),
  };
}

/**
 * `POST /webhooks/telegram/:inboxId`: verify the secret token over the request, queue the
 * normalized events, and only then answer 200. Redis or PostgreSQL down → 503 so Telegram
 * retries; a verified update we cannot parse is parked and acknowledged.
 */
export async function buildTelegramIngress(deps: TelegramIngressDeps): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: 1024 * 1024 });
  // keep the raw bytes: verification and parking work on what Telegram sent, not a re-serialization
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  if (deps.metrics) {
    registerHttpMetrics(app, deps.metrics);
    countWebhookResponses(app, deps.metrics, new Map([['POST /webhooks/telegram/:inboxId', 'telegram']]));
    registerMetricsRoute(app, deps.metrics);
  }
  registerHealthRoutes(app, deps.readiness, deps.isShuttingDown);

  app.post('/webhooks/telegram/:inboxId', async (req, reply) => {
    const params = Params.safeParse(req.params);
    if (!params.success) return reply.code(404).send(error('not_found', 'no such inbox'));
    let inbox: InboxContext | undefined;
    try {
      inbox = await loadTelegramInbox(deps.inboxes, params.data.inboxId);
    } catch (e) {
      req.log.error({ err: e }, 'inbox lookup failed');
      return reply.code(503).header('retry-after', '5').send(error('unavailable', 'temporarily unavailable, retry later'));
    }
    if (!inbox) return reply.code(404).send(error('not_found', 'no such inbox'));

    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const request: InboundRequest = { method: req.method, headers: req.headers, query: req.query as Record<string, string>, rawBody: body };
    try {
      telegramAdapter.verify(request, inbox as never);
    } catch (e) {
      if (e instanceof SignatureError) return reply.code(401).send(error(e.code, e.message));
      throw e;
    }
    try {
      const outcome = await acceptUpdate(deps, inbox, body, { 'content-type': req.headers['content-type'] });
      if (outcome.kind === 'parked') markParked(req);
      return reply.code(200).send({ ok: true, outcome: outcome.kind });
    } catch (e) {
      req.log.error({ err: e, inboxId: inbox.id }, 'telegram update not queued');
      return reply.code(503).header('retry-after', '5').send(error('unavailable', 'could not queue the update, retry later'));
    }
  });

  app.setErrorHandler((e: Error & { statusCode?: number }, req, reply) => {
    const status = e.statusCode && e.statusCode < 500 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err: e }, 'unhandled error');
    const code = e instanceof AppError ? e.code : (CLIENT_ERROR_CODES[status] ?? (status >= 500 ? 'internal' : 'bad_request'));
    return reply.code(status).send(error(code, status >= 500 ? 'internal error' : e.message));
  });
  return app;
}
