import { afterAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { createMetrics, registerMetricsRoute } from './metrics.ts';
import { countWebhookResponses, markParked, registerHttpMetrics, webhookCounter, webhookOutcomeOf } from './http-metrics.ts';

const apps: ReturnType<typeof Fastify>[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

/** The count of one series on the page, labels matched exactly (service included). */
function count(text: string, series: string): number | undefined {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line === undefined ? undefined : Number(line.slice(series.length + 1));
}

describe('request histogram', () => {
  it('labels requests with the route pattern of any scope, unmatched ones as unmatched, and leaves /metrics out', async () => {
    const registry = createMetrics('web');
    const app = Fastify();
    apps.push(app);
    registerHttpMetrics(app, registry);
    registerMetricsRoute(app, registry);
    app.get('/items/:id', async () => ({ ok: true }));
    await app.register(async (scope) => {
      scope.post('/things', async (_req, reply) => reply.code(201).send({}));
      scope.get('/boom', async () => {
        throw new Error('broken');
      });
    }, { prefix: '/v1' });

    for (const url of ['/items/1', '/items/2?x=y', '/items/3']) expect((await app.inject({ url })).statusCode).toBe(200);
    expect((await app.inject({ method: 'POST', url: '/v1/things' })).statusCode).toBe(201);
    expect((await app.inject({ url: '/v1/boom' })).statusCode).toBe(500);
    expect((await app.inject({ url: '/wp-login.php' })).statusCode).toBe(404);
    await app.inject({ url: '/metrics' });

    const text = (await app.inject({ url: '/metrics' })).body;
    const series = (method: string, route: string, status: number) =>
      count(text, `http_request_duration_seconds_count{service="web",method="${method}",route="${route}",status_code="${status}"}`);
    expect(series('GET', '/items/:id', 200)).toBe(3);
    expect(series('POST', '/v1/things', 201)).toBe(1);
    expect(series('GET', '/v1/boom', 500)).toBe(1);
    expect(series('GET', 'unmatched', 404)).toBe(1);
    expect(text).not.toContain('route="/metrics"');
    expect(text).not.toContain('/items/1');
    expect(text).toContain('http_request_duration_seconds_bucket{le="0.005",service="web",method="GET",route="/items/:id",status_code="200"}');
  });
});

describe('webhook counter', () => {
  it('maps an answer to its outcome', () => {
    expect(webhookOutcomeOf(200, false)).toBe('accepted');
    expect(webhookOutcomeOf(202, false)).toBe('accepted');
    expect(webhookOutcomeOf(200, true)).toBe('parked');
    expect(webhookOutcomeOf(401, false)).toBe('unauthorized');
    expect(webhookOutcomeOf(403, false)).toBe('unauthorized');
    expect(webhookOutcomeOf(503, false)).toBe('unavailable');
    expect(webhookOutcomeOf(500, false)).toBe('unavailable');
    expect(webhookOutcomeOf(400, false)).toBe('rejected');
    expect(webhookOutcomeOf(404, false)).toBe('rejected');
    expect(webhookOutcomeOf(413, false)).toBe('rejected');
  });

  it('counts only the listed routes, by channel, with every outcome reported from 0', async () => {
    const registry = createMetrics('hooks');
    const app = Fastify();
    apps.push(app);
    countWebhookResponses(app, registry, new Map([['POST /hooks/a/:id', 'alpha'], ['POST /hooks/b/:id', 'beta']]));
    app.post('/hooks/a/:id', async (req, reply) => {
      if ((req.params as { id: string }).id === 'parked') markParked(req);
      return reply.code(200).send({});
    });
    app.post('/hooks/b/:id', async (_req, reply) => reply.code(401).send({}));
    app.get('/hooks/a/:id', async () => 'handshake');

    await app.inject({ method: 'POST', url: '/hooks/a/1' });
    await app.inject({ method: 'POST', url: '/hooks/a/parked' });
    await app.inject({ method: 'GET', url: '/hooks/a/1' });
    await app.inject({ method: 'POST', url: '/hooks/b/1' });
    await app.inject({ method: 'POST', url: '/hooks/c/1' });

    const text = await registry.metrics();
    const series = (channel: string, outcome: string) => count(text, `switchboard_webhooks_total{channel="${channel}",outcome="${outcome}",service="hooks"}`);
    expect(series('alpha', 'accepted')).toBe(1);
    expect(series('alpha', 'parked')).toBe(1);
    expect(series('alpha', 'unavailable')).toBe(0);
    expect(series('beta', 'unauthorized')).toBe(1);
    expect(text).not.toContain('channel="c"');
    // one counter per registry, whoever asks for it
    expect(webhookCounter(registry)).toBe(webhookCounter(registry));
  });
});
