import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { z } from 'zod';
import { getAdapter, type ChannelAdapter, type InboundRequest, type InboxContext } from '@switchboard/channels';
import type { ChannelId } from '@switchboard/contracts';
import type { InboxCache, Pool } from '@switchboard/db';
import { AppError, SignatureError } from '@switchboard/errors';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { countWebhookResponses, markParked, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute, type ReadinessChecks, type Registry } from '@switchboard/runtime';
import { acceptWebhook } from './accept.ts';

export interface WebhookIngressDeps {
  pool: Pool;
  producer: Producer;
  inboxes: InboxCache;
  logger: Logger;
  readiness: ReadinessChecks;
  isShuttingDown?: () => boolean;
  /**
   * The public base URL platforms call (e.g. https://hooks.example.com): Twilio signs the full URL
   * it called, which a proxy in front may have changed. Without it the URL is rebuilt from the
   * request (X-Forwarded-Proto/Host when trusted).
   */
  publicBaseUrl?: string;
  /** With a registry: `GET /metrics`, request timings and `switchboard_webhooks_total` per channel. */
  metrics?: Registry;
}

const Params = z.object({ inboxId: z.uuid() });
const error = (code: string, message: string) => ({ error: { code, message } });
/** fastify's own client errors (body too large, wrong content type), with the codes the API uses. */
const CLIENT_ERROR_CODES: Record<number, string> = { 413: 'payload_too_large', 415: 'unsupported_media_type' };
const BODY_LIMIT = 1024 * 1024;

/**
 * One ingress service for the webhook channels it is given: `POST /webhooks/<channel>/:inboxId`
 * verifies the signature over the raw bytes (401, nothing queued), queues the normalized events
 * and only then acknowledges; `GET` answers the platform's subscription handshake. Redis or
 * PostgreSQL down → 503 so the platform retries; a verified payload we cannot read is parked.
 */
export async function buildWebhookIngress(deps: WebhookIngressDeps, channels: readonly ChannelId[]): Promise<FastifyInstance> {
  const app = Fastify({ loggerInstance: deps.logger as FastifyBaseLogger, bodyLimit: BODY_LIMIT, trustProxy: deps.publicBaseUrl === undefined });
  // the raw bytes are what the platform signed: never verify a re-serialization
  for (const type of ['application/json', 'application/x-www-form-urlencoded', 'text/plain']) {
    app.addContentTypeParser(type, { parseAs: 'buffer' }, (_req, body, done) => done(null, body));
  }
  if (deps.metrics) {
    registerHttpMetrics(app, deps.metrics);
    countWebhookResponses(app, deps.metrics, new Map(channels.map((channel) => [`POST /webhooks/${channel}/:inboxId`, channel])));
    registerMetricsRoute(app, deps.metrics);
  }
  registerHealthRoutes(app, deps.readiness, deps.isShuttingDown);

  for (const channel of channels) {
    const adapter = getAdapter(channel);
    const path = `/webhooks/${channel}/:inboxId`;

    app.get(path, async (req, reply) => {
      const found = await inboxFor(deps, adapter, req);
      if ('status' in found) return reply.code(found.status).header('retry-after', '5').send(found.body);
      const answer = adapter.handshake?.(inboundRequest(deps, req), found.inbox);
      if (!answer) return reply.code(405).send(error('method_not_allowed', 'send webhooks with POST'));
      return reply.code(answer.status).type('text/plain').send(answer.body);
    });

    app.post(path, async (req, reply) => {
      const found = await inboxFor(deps, adapter, req);
      if ('status' in found) return reply.code(found.status).header('retry-after', '5').send(found.body);
      const request = inboundRequest(deps, req);
      try {
        adapter.verify(request, found.inbox);
      } catch (e) {
        if (e instanceof SignatureError) return reply.code(401).send(error(e.code, e.message));
        throw e;
      }
      try {
        const outcome = await acceptWebhook(deps, adapter, found.inbox, request);
        if (outcome.kind === 'parked') markParked(req);
        req.log.debug({ inboxId: found.inbox.id, outcome }, 'webhook accepted');
      } catch (e) {
        req.log.error({ err: e, inboxId: found.inbox.id }, `${channel} webhook not queued`);
        return reply.code(503).header('retry-after', '5').send(error('unavailable', 'could not queue the webhook, retry later'));
      }
      if (adapter.ack) return reply.code(200).type(adapter.ack.contentType).send(adapter.ack.body);
      return reply.code(200).send({ ok: true });
    });
  }

  app.setErrorHandler((e: Error & { statusCode?: number }, req, reply) => {
    const status = e.statusCode && e.statusCode < 500 ? e.statusCode : 500;
    if (status >= 500) req.log.error({ err: e }, 'unhandled error');
    const code = e instanceof AppError ? e.code : (CLIENT_ERROR_CODES[status] ?? (status >= 500 ? 'internal' : 'bad_request'));
    return reply.code(status).send(error(code, status >= 500 ? 'internal error' : e.message));
  });
  return app;
}

type Found = { inbox: InboxContext } | { status: number; body: unknown };

/** The inbox of the path with its config and secrets validated by the channel, or the answer to give. */
async function inboxFor(deps: WebhookIngressDeps, adapter: ChannelAdapter, req: FastifyRequest): Promise<Found> {
  const params = Params.safeParse(req.params);
  if (!params.success) return { status: 404, body: error('not_found', 'no such inbox') };
  let inbox;
  try {
    inbox = await deps.inboxes.get(params.data.inboxId);
  } catch (e) {
    req.log.error({ err: e }, 'inbox lookup failed');
    return { status: 503, body: error('unavailable', 'temporarily unavailable, retry later') };
  }
  if (!inbox || inbox.channel !== adapter.channel) return { status: 404, body: error('not_found', 'no such inbox') };
  const config = adapter.configSchema.safeParse(inbox.config);
  const secrets = adapter.secretsSchema.safeParse(inbox.secrets);
  if (!config.success || !secrets.success) {
    req.log.error({ inboxId: inbox.id }, 'inbox has an invalid config or secrets');
    return { status: 404, body: error('not_found', 'no such inbox') };
  }
  return { inbox: { id: inbox.id, channel: inbox.channel, config: config.data, secrets: secrets.data } };
}

function inboundRequest(deps: WebhookIngressDeps, req: FastifyRequest): InboundRequest {
  const base = deps.publicBaseUrl?.replace(/\/+$/, '') ?? `${req.protocol}://${req.host}`;
  return {
    method: req.method,
    url: `${base}${req.url}`,
    headers: req.headers,
    query: req.query as Record<string, string | undefined>,
    rawBody: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
  };
}
