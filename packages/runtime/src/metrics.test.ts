import { afterAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import { Counter, Gauge } from 'prom-client';
import { createMetrics, registerMetricsRoute } from './metrics.ts';

const apps: ReturnType<typeof Fastify>[] = [];
afterAll(async () => {
  await Promise.all(apps.map((app) => app.close()));
});

function serve(service: string) {
  const registry = createMetrics(service);
  const app = Fastify();
  apps.push(app);
  registerMetricsRoute(app, registry);
  return { registry, app };
}

// one sample line of the text exposition format: name, optional {labels}, a float value
// (prom-client writes NaN as "Nan"; Prometheus parses special values case-insensitively)
const SAMPLE = /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? (-?[0-9.e+-]+|NaN|[+-]Inf)$/i;

describe('metrics route', () => {
  it('serves the default process metrics and the service metrics in the Prometheus text format', async () => {
    const { registry, app } = serve('test-service');
    const passes = new Counter({ name: 'test_passes_total', help: 'Passes.', labelNames: ['queue'], registers: [registry] });
    passes.inc({ queue: 'q "1"' }, 3);

    const res = await app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    const lines = res.body.split('\n').filter((l) => l !== '');
    for (const line of lines.filter((l) => !l.startsWith('#'))) expect(line).toMatch(SAMPLE);
    for (const line of lines.filter((l) => l.startsWith('#'))) expect(line).toMatch(/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* /);

    expect(lines).toContain('# TYPE test_passes_total counter');
    expect(lines).toContain('test_passes_total{queue="q \\"1\\"",service="test-service"} 3');
    expect(lines).toContain('# TYPE process_cpu_user_seconds_total counter');
    expect(lines.some((l) => l.startsWith('nodejs_heap_size_used_bytes{service="test-service"} '))).toBe(true);
  });

  it('keeps the registries of two services in one process apart', async () => {
    const a = serve('a');
    const b = serve('b');
    new Gauge({ name: 'test_only_in_a', help: 'A.', registers: [a.registry] }).set(1);
    expect((await a.app.inject({ url: '/metrics' })).body).toContain('test_only_in_a{service="a"} 1');
    expect((await b.app.inject({ url: '/metrics' })).body).not.toContain('test_only_in_a');
  });

  it('answers 500 instead of a partial page when a collector fails', async () => {
    const { registry, app } = serve('failing');
    new Gauge({
      name: 'test_broken',
      help: 'Broken.',
      registers: [registry],
      collect() {
        throw new Error('database gone');
      },
    });
    const res = await app.inject({ url: '/metrics' });
    expect(res.statusCode).toBe(500);
    expect(res.body).not.toContain('process_cpu_user_seconds_total');
  });
});
