import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApi } from '@switchboard/api';
import { createLocalBlobStore } from '@switchboard/blob';
import { createSecretBox, isDatabaseReady } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, isRedisReady, waitForRedis, type Producer } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { ADMIN_TOKEN, PUBLIC_URLS, receiveTelegramMessage } from '../../services/api/src/testing.ts';
import { FUZZ_RUNS, fuzzParams, mutationsOf } from './fuzz-kit.ts';

/**
 * Every API route that reads a body or a query string, called as admin with arbitrary input
 * and with mutations of its documented examples: never a 5xx, and every 4xx says
 * `{ error: { code, message } }` with a message. FUZZ_RUNS cases per route group (the first
 * path segment after /api/v1), shared by the group's routes.
 */

type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
interface Route {
  method: Method;
  path: string;
  group: string;
  examples: unknown[];
  queryNames: string[];
}

// an event stream that does not end (its 400 is checked by the authorization matrix)
const SKIPPED = new Set(['GET /api/v1/events']);

/** `METHOD /path` for every route in fastify's printed route tree (HEAD and OPTIONS are implied). */
function routesOf(tree: string): string[] {
  const stack: string[] = [];
  const routes: string[] = [];
  for (const line of tree.split('\n')) {
    const at = line.search(/[├└]── /);
    if (at < 0) continue;
    const depth = at / 4;
    const match = /^(.*?)(?: \(([^)]*)\))?$/.exec(line.slice(at + 4))!;
    const path = (depth > 0 ? stack[depth - 1]! : '') + match[1]!;
    stack[depth] = path;
    for (const method of (match[2] ?? '').split(',').map((m) => m.trim()).filter(Boolean)) {
      if (method !== 'HEAD' && method !== 'OPTIONS' && method !== '-') routes.push(`${method} ${path}`);
    }
  }
  return [...new Set(routes)].sort();
}

interface OpenApiOperation {
  parameters?: { in: string; name: string }[];
  requestBody?: { content?: Record<string, { schema?: { example?: unknown; examples?: unknown[] }; example?: unknown }> };
}

/** The documented request-body examples and query parameter names of `route`, from the served OpenAPI document. */
function documented(doc: { paths: Record<string, Record<string, OpenApiOperation>> }, method: string, path: string) {
  const operation = doc.paths[path.replace(/:(\w+)/g, '{$1}')]?.[method.toLowerCase()];
  const json = operation?.requestBody?.content?.['application/json'];
  const examples = [json?.example, json?.schema?.example, ...(json?.schema?.examples ?? [])].filter((e) => e !== undefined);
  const queryNames = (operation?.parameters ?? []).filter((p) => p.in === 'query').map((p) => p.name);
  return { examples, queryNames, hasBody: json !== undefined };
}

let app: FastifyInstance;
let db: TestDatabase;
let producer: Producer;
let routes: Route[];
const ids: Record<string, string> = {};
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const blobDir = mkdtempSync(join(tmpdir(), 'fuzz-blobs-'));
const api = { call: (token: string, options: InjectOptions) => app.inject({ ...options, headers: { authorization: `Bearer ${token}`, ...options.headers } }), pool: () => db.pool };

beforeAll(async () => {
  // the whole API: blob store and queue access too, so no route answers "not configured"
  db = await createTestDatabase();
  await waitForRedis(redis);
  producer = createProducer(redis, prefix);
  app = await buildApi({
    pool: db.pool,
    producer,
    redis,
    queuePrefix: prefix,
    blobs: createLocalBlobStore({ dir: blobDir, maxBytes: 1024 * 1024 }),
    publish: (channel, payload) => redis.publish(channel, payload),
    rateLimitPerMin: 1_000_000,
    secretBox: createSecretBox(randomBytes(32)),
    logger: silentLogger(),
    adminToken: ADMIN_TOKEN,
    publicUrls: PUBLIC_URLS,
    readiness: { database: () => isDatabaseReady(db.pool), redis: () => isRedisReady(redis) },
  });
  const admin = (method: Method, url: string, payload?: object) => api.call(ADMIN_TOKEN, payload ? { method, url, payload } : { method, url });
  const agent = (await admin('POST', '/api/v1/agents', { name: 'Fuzz agent' })).json().agent;
  const queue = (await admin('POST', '/api/v1/queues', { name: 'Fuzz team', memberIds: [agent.id] })).json();
  const inbox = (await admin('POST', '/api/v1/inboxes', { channel: 'telegram', name: 'Fuzz bot', defaultQueueId: queue.id, secrets: { botToken: '123456:AAbbCCdd_ee-ff' } })).json();
  // existing targets, so the handlers run past "not found" on the routes of these resources
  Object.assign(ids, { agents: agent.id, queues: queue.id, inboxes: inbox.id, conversations: await receiveTelegramMessage(db.pool, inbox.id, '4242') });
  const doc = (await app.inject({ method: 'GET', url: '/docs/json' })).json();
  routes = routesOf(app.printRoutes({ commonPrefix: false }))
    .filter((r) => r.includes(' /api/v1/') && !SKIPPED.has(r))
    .flatMap((r) => {
      const [method, path] = r.split(' ') as [Method, string];
      const { examples, queryNames, hasBody } = documented(doc, method, path);
      // every route is fuzzed through its query string; the ones with a body (or that may take one) also through it
      if (!hasBody && method !== 'GET' && queryNames.length === 0 && !['POST', 'PUT', 'PATCH'].includes(method)) return [];
      return [{ method, path, group: path.split('/')[3]!, examples, queryNames }];
    });
});
afterAll(async () => {
  await app?.close();
  await producer?.close();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await db?.drop();
  rmSync(blobDir, { recursive: true, force: true });
});

/** A concrete URL: existing ids for this fixture's resources (not for DELETE: the target must survive), else fresh ones. */
function urlFor(route: Route, query: string): string {
  const path = route.path.replace(/:(\w+)/g, (_m, name: string) => {
    if (name === 'label') return 'vip';
    if (name === 'key') return 'a'.repeat(64);
    if (name === 'id' && route.method !== 'DELETE' && ids[route.group]) return ids[route.group]!;
    return randomUUID();
  });
  return query ? `${path}?${query}` : path;
}

const anyJson = fc.jsonValue({ maxDepth: 3 });
const queryOf = (names: string[]) =>
  fc
    .array(fc.tuple(names.length ? fc.oneof(fc.constantFrom(...names), fc.string({ maxLength: 8 })) : fc.string({ maxLength: 8 }), fc.oneof(fc.string({ maxLength: 30 }), fc.constantFrom('', '-1', '0', '1e9', '99999999999999999999', 'true', 'null', '[]', 'a'.repeat(300), randomUUID()))), { maxLength: 4 })
    .map((pairs) => new URLSearchParams(pairs).toString());

/** Checks one answer: below 500, and a 4xx carries a code and a non-empty message. */
function judge(route: Route, res: { statusCode: number; body: string; headers: Record<string, unknown> }, input: unknown): void {
  const where = `${route.method} ${route.path} with ${JSON.stringify(input)?.slice(0, 300)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
  if (res.statusCode >= 500) throw new Error(`5xx: ${where}`);
  if (res.statusCode < 400) return;
  let error: { code?: unknown; message?: unknown } | undefined;
  try {
    error = (JSON.parse(res.body) as { error?: typeof error }).error;
  } catch {
    throw new Error(`a ${res.statusCode} that is not JSON: ${where}`);
  }
  if (typeof error?.code !== 'string' || error.code === '' || typeof error.message !== 'string' || error.message.trim() === '') {
    throw new Error(`a ${res.statusCode} without { error: { code, message } }: ${where}`);
  }
}

describe('API bodies and query strings', () => {
  it('finds the routes to fuzz', () => {
    expect(routes.length).toBeGreaterThan(60);
    expect(routes.filter((r) => r.examples.length > 0).length).toBeGreaterThan(10);
  });

  it(`answers arbitrary input below 500, every 4xx with a reason (${FUZZ_RUNS} cases per route group)`, async () => {
    const groups = new Map<string, Route[]>();
    for (const r of routes) groups.set(r.group, [...(groups.get(r.group) ?? []), r]);
    const counts: Record<string, number> = {};
    const failures: string[] = [];
    const timings: [string, number][] = [];
    const jobs = [...groups].flatMap(([group, members]) => members.map((route: Route) => ({ group, route, runs: Math.ceil(FUZZ_RUNS / members.length) })));
    // a few routes at a time: each property runs its cases in order, the database serves them in parallel
    const next = () => jobs.shift();
    await Promise.all(Array.from({ length: 6 }, async () => {
      for (let job = next(); job; job = next()) {
        const { group, route, runs } = job;
        const seeds = route.examples.length ? route.examples : [{}];
        const body = route.method === 'GET' || route.method === 'DELETE' ? fc.constant(undefined) : fc.oneof(anyJson, mutationsOf(seeds), fc.constantFrom(...seeds));
        const property = fc.asyncProperty(body, queryOf(route.queryNames), async (payload, query) => {
          const res = await api.call(ADMIN_TOKEN, { method: route.method, url: urlFor(route, query), ...(payload === undefined ? {} : { payload: JSON.stringify(payload), headers: { 'content-type': 'application/json' } }) });
          judge(route, res, { payload, query });
        });
        // one failure per route, so a run lists every route that fails (fast-check prints the seed and shrunk input)
        const started = performance.now();
        const details = await fc.check(property, fuzzParams(runs));
        timings.push([`${route.method} ${route.path}`, Math.round(performance.now() - started)]);
        if (details.failed) failures.push(`${route.method} ${route.path}: ${String((details.errorInstance as Error | undefined)?.message ?? details.errorInstance)} (seed ${details.seed}, path ${details.counterexamplePath})`);
        counts[group] = (counts[group] ?? 0) + details.numRuns;
      }
    }));
    console.log(`api fuzz: ${Object.values(counts).reduce((a, b) => a + b, 0)} requests over ${routes.length} routes in ${groups.size} groups`, counts);
    if (process.env.FUZZ_TIMINGS) console.log(timings.sort((a, b) => b[1] - a[1]).slice(0, 15));
    expect(failures).toEqual([]);
    for (const count of Object.values(counts)) expect(count).toBeGreaterThanOrEqual(FUZZ_RUNS);
  }, 180_000);
});
