import fastifyWebsocket from '@fastify/websocket';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Redis } from 'ioredis';
import type { BlobStore } from '@switchboard/blob';
import type { Pool, SecretBox } from '@switchboard/db';
import type { Clock } from '@switchboard/routing';
import type { Logger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { countWebhookResponses, registerHealthRoutes, registerHttpMetrics, registerMetricsRoute, type ReadinessChecks, type Registry } from '@switchboard/runtime';
import { registerPreflight } from './cors.ts';
import { registerErrorHandling } from './errors.ts';
import { createWebchatInboxes } from './inboxes.ts';
import { createLiveHub } from './live-hub.ts';
import { registerJsonParser } from './raw-body.ts';
import { CLOSE, registerSocketRoute } from './socket-route.ts';
import { registerVisitorRoutes } from './visitor-routes.ts';
import { registerPositionRoute } from './position-route.ts';
import { registerSurveyRoute } from './survey-route.ts';
import { registerSettingsRoute } from './settings-route.ts';
import { registerFormRoutes } from './form-routes.ts';
import { registerFileRoutes } from './file-routes.ts';
import { registerRateLimits, type RateLimits } from './rate-limits.ts';
import { registerWidgetBundle } from './widget-bundle.ts';
import { registerDemoRoute } from './demo-route.ts';

export interface WebchatIngressDeps {
  pool: Pool;
  producer: Producer;
  /** A dedicated connection for SUBSCRIBE (a subscribed connection can run nothing else). */
  subscriber: Redis;
  secretBox: SecretBox;
  logger: Logger;
  readiness: ReadinessChecks;
  isShuttingDown?: () => boolean;
  /** Visitors' uploads and agents' files; without a store the widget offers no uploads. */
  blobs?: BlobStore;
  /** fastify's trustProxy, so `req.ip` is the visitor's address behind a reverse proxy. */
  trustProxy?: boolean | string;
  /** Per-IP and per-visitor request limits (counted in Redis); none when absent. */
  rateLimits?: RateLimits;
  /** Routing's time source (business hours, estimated waits); tests pass a manual clock. */
  clock?: Clock;
  /** Serves `GET /demo/:inboxId`, a pretend shop embedding the widget (WEBCHAT_DEMO). */
  demo?: boolean;
  /** With a registry: `GET /metrics`, request timings, and visitor messages in `switchboard_webhooks_total{channel="webchat"}`. */
  metrics?: Registry;
}

/** Visitor messages are short; 64 KiB leaves room for a long paste and bounds what a client can send. */
export const BODY_LIMIT_BYTES = 64 * 1024;
/** Widgets only send small control frames (ping). */
const MAX_FRAME_BYTES = 4 * 1024;
/** Sockets that do not finish the close handshake in time are cut, so shutdown is bounded. */
const CLOSE_GRACE_MS = 2_000;

/**
 * The visitor-facing API of the website chat: sessions, sends, history and a WebSocket for
 * agent replies. Returns the app without listening; `app.close()` closes every socket.
 */
export async function buildWebchatIngress(deps: WebchatIngressDeps): Promise<FastifyInstance> {
  const app = Fastify({
    // the socket's `?token=` is a credential: keep it out of request logs
    loggerInstance: deps.logger.child({}, { serializers: { req: serializeRequest } }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: deps.trustProxy ?? false,
  }) as unknown as FastifyInstance;
  registerErrorHandling(app);
  registerJsonParser(app);
  if (deps.metrics) {
    registerHttpMetrics(app, deps.metrics);
    // a visitor message is the web chat's webhook: the one request that brings a customer's words in
    countWebhookResponses(app, deps.metrics, new Map([['POST /webchat/:inboxId/messages', 'webchat']]));
    registerMetricsRoute(app, deps.metrics);
  }

  const inboxes = createWebchatInboxes(deps);
  const hub = createLiveHub(deps.subscriber, deps.logger);
  app.addHook('onClose', async () => hub.dispose());

  await app.register(fastifyWebsocket, {
    options: { maxPayload: MAX_FRAME_BYTES },
    preClose(done) {
      const wss = this.websocketServer;
      for (const socket of wss.clients) socket.close(CLOSE.restarting, 'server restarting');
      const force = setTimeout(() => {
        for (const socket of wss.clients) socket.terminate();
      }, CLOSE_GRACE_MS);
      force.unref();
      wss.close(() => {
        clearTimeout(force);
        done();
      });
    },
  });

  registerHealthRoutes(app, deps.readiness, deps.isShuttingDown);
  if (deps.rateLimits) registerRateLimits(app, deps.rateLimits, inboxes, deps.logger);
  registerPreflight(app, inboxes);
  registerVisitorRoutes(app, { pool: deps.pool, producer: deps.producer, inboxes });
  registerPositionRoute(app, { pool: deps.pool, inboxes, ...(deps.clock && { clock: deps.clock }) });
  registerSettingsRoute(app, { pool: deps.pool, inboxes, maxBlobBytes: deps.blobs?.maxBytes ?? 0, ...(deps.clock && { clock: deps.clock }) });
  registerFormRoutes(app, { pool: deps.pool, producer: deps.producer, inboxes });
  registerSurveyRoute(app, { pool: deps.pool, inboxes, logger: deps.logger, ...(deps.metrics && { metrics: deps.metrics }) });
  registerFileRoutes(app, { pool: deps.pool, inboxes, ...(deps.blobs && { blobs: deps.blobs }) });
  registerSocketRoute(app, { pool: deps.pool, inboxes, hub, logger: deps.logger });
  await registerWidgetBundle(app);
  if (deps.demo) registerDemoRoute(app, inboxes);
  return app;
}

function serializeRequest(req: { method: string; url: string; ip?: string }) {
  return { method: req.method, url: req.url.replace(/([?&]token=)[^&]*/g, '$1[redacted]'), remoteAddress: req.ip };
}
