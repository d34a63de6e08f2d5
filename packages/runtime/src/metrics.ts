import type { FastifyInstance } from 'fastify';
import { collectDefaultMetrics, Registry } from 'prom-client';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any logger/type provider
type AnyFastify = FastifyInstance<any, any, any, any, any>;

/**
 * A Prometheus registry for one service: the default process and Node.js metrics (CPU,
 * memory, event-loop lag, GC, handles), every series labelled `service`. A registry of its
 * own, never prom-client's global one, so two services or two tests in one process do not
 * register the same metric twice.
 */
export function createMetrics(service: string): Registry {
  const registry = new Registry();
  registry.setDefaultLabels({ service });
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * `GET /metrics` in the Prometheus text format. Collectors run at scrape time (some read
 * the database), so a failing one answers 500 rather than a partial page that Prometheus
 * would store as a drop to zero.
 */
export function registerMetricsRoute(app: AnyFastify, registry: Registry): void {
  app.get('/metrics', { logLevel: 'warn', schema: { hide: true } as object }, async (_req, reply) => {
    const body = await registry.metrics();
    return reply.header('content-type', registry.contentType).send(body);
  });
}
export type { Registry } from 'prom-client';
