import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { Counter, Histogram, type Registry } from 'prom-client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any logger/type provider
type AnyFastify = FastifyInstance<any, any, any, any, any>;

/** The `route` label of a request no route matched (404s of scanners, typos). */
export const UNMATCHED_ROUTE = 'unmatched';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The one metric of a name on a registry: created on first use, the same object after, so
 * every caller (two workers, two apps in one test process) shares it instead of registering
 * the name twice (which prom-client refuses).
 */
export function metricOnce<T>(registry: Registry, name: string, create: (registers: Registry[]) => T): T {
  return (registry.getSingleMetric(name) as T | undefined) ?? create([registry]);
}

function httpHistogram(registry: Registry): Histogram<'method' | 'route' | 'status_code'> {
  return metricOnce(registry, 'http_request_duration_seconds', (registers) => new Histogram({
    name: 'http_request_duration_seconds',
    help: 'HTTP requests served, from receipt to the last byte, by method, route pattern and status code.',
    labelNames: ['method', 'route', 'status_code'],
    buckets: HTTP_BUCKETS,
    registers,
  }));
}

/**
 * The route pattern fastify matched (`/api/v1/conversations/:id`), never the raw URL, so ids
 * and query strings cannot grow the series without bound; `unmatched` when no route matched.
 */
export function routeLabel(req: Pick<FastifyRequest, 'routeOptions' | 'is404'>): string {
  if (req.is404) return UNMATCHED_ROUTE;
  return req.routeOptions.url ?? UNMATCHED_ROUTE;
}

/**
 * Times every request of the app into `http_request_duration_seconds`. Register it before the
 * routes, at the root (a root hook covers every plugin scope and the 404 handler). Scrapes of
 * `/metrics` itself are not counted: the series would only mirror Prometheus' scrape interval.
 */
export function registerHttpMetrics(app: AnyFastify, registry: Registry): void {
  const histogram = httpHistogram(registry);
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    const route = routeLabel(req);
    if (route === '/metrics') return;
    histogram.observe({ method: req.method, route, status_code: String(reply.statusCode) }, reply.elapsedTime / 1000);
  });
}

export const WEBHOOK_OUTCOMES = ['accepted', 'unauthorized', 'parked', 'unavailable', 'rejected'] as const;
export type WebhookOutcome = (typeof WEBHOOK_OUTCOMES)[number];

/** `switchboard_webhooks_total{channel, outcome}`, shared by every ingress of a registry. */
export function webhookCounter(registry: Registry): Counter<'channel' | 'outcome'> {
  return metricOnce(registry, 'switchboard_webhooks_total', (registers) => new Counter({
    name: 'switchboard_webhooks_total',
    help: 'Inbound deliveries (webhooks, visitor messages, mail) by channel and outcome: accepted, unauthorized, parked, unavailable (the sender retries), rejected (bad request, too large, unknown inbox).',
    labelNames: ['channel', 'outcome'],
    registers,
  }));
}

/**
 * What a webhook's answer says happened: 2xx accepted (queued, or nothing to queue), 401/403
 * unauthorized, 5xx unavailable (nothing was queued and the platform retries), any other 4xx
 * rejected. A parked payload is also answered 2xx: its handler says so with `markParked`.
 */
export function webhookOutcomeOf(statusCode: number, parked: boolean): WebhookOutcome {
  if (statusCode >= 200 && statusCode < 300) return parked ? 'parked' : 'accepted';
  if (statusCode === 401 || statusCode === 403) return 'unauthorized';
  if (statusCode >= 500) return 'unavailable';
  return 'rejected';
}

const parkedRequests = new WeakSet<object>();

/** Tells the webhook counter that this request's payload was parked in `inbound_rejected`. */
export function markParked(req: FastifyRequest): void {
  parkedRequests.add(req);
}

/**
 * Counts every answer of the given routes (`'POST /webhooks/telegram/:inboxId'` → channel) in
 * `switchboard_webhooks_total`, whatever answered it: the handler, the error handler (a body
 * too large) or a hook. Register it at the root, before the routes.
 */
export function countWebhookResponses(app: AnyFastify, registry: Registry, routes: ReadonlyMap<string, string>): void {
  const counter = webhookCounter(registry);
  for (const channel of new Set(routes.values())) for (const outcome of WEBHOOK_OUTCOMES) counter.inc({ channel, outcome }, 0);
  app.addHook('onResponse', async (req: FastifyRequest, reply: FastifyReply) => {
    if (req.is404) return;
    const channel = routes.get(`${req.method} ${req.routeOptions.url}`);
    if (channel) counter.inc({ channel, outcome: webhookOutcomeOf(reply.statusCode, parkedRequests.has(req)) });
  });
}
