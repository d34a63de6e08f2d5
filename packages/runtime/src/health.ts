import type { FastifyInstance } from 'fastify';

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any logger/type provider
type AnyFastify = FastifyInstance<any, any, any, any, any>;

export type ReadinessChecks = Record<string, () => Promise<boolean>>;

/**
 * `/healthz`: the process is alive (no dependency checks, so a database outage does not get
 * every pod restarted). `/readyz`: every dependency answers; 503 names the ones that do not.
 */
export function registerHealthRoutes(app: AnyFastify, checks: ReadinessChecks, isShuttingDown: () => boolean = () => false): void {
  app.get('/healthz', { logLevel: 'warn', schema: { hide: true } as object }, async () => ({ status: 'ok' }));
  app.get('/readyz', { logLevel: 'warn', schema: { hide: true } as object }, async (_req, reply) => {
    const entries = await Promise.all(Object.entries(checks).map(async ([name, check]) => [name, await check().catch(() => false)] as const));
    const failing = entries.filter(([, ok]) => !ok).map(([name]) => name);
    if (isShuttingDown()) failing.push('shutting_down');
    const body = { status: failing.length ? 'unavailable' : 'ok', checks: Object.fromEntries(entries) };
    return reply.code(failing.length ? 503 : 200).send(body);
  });
}
