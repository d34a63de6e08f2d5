import { describe, expect, it } from '@jest/globals';
import { readdir } from 'node:fs/promises';
import Fastify, { type RouteOptions } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { silentLogger } from '@switchboard/log';
import type { ApiDeps, ZodApp } from './deps.ts';
import { PUBLIC_URLS } from './testing.ts';

/**
 * Every documented example must be something the API would accept (request bodies) or send
 * (responses): each is parsed with the schema that carries it. The route schemas come from
 * registering every module in routes/ on a bare instance, so a new route is checked without
 * being listed here.
 */

// answered with raw bytes or an event stream, not JSON
const RAW_ROUTES = new Set(['GET /conversations/:id/attachments/:key', 'GET /events']);

type Schema = z.core.$ZodType;

interface DocumentedRoute {
  route: string;
  body?: Schema;
  responses: [status: string, schema: Schema][];
}

async function documentedRoutes(): Promise<DocumentedRoute[]> {
  const app = Fastify().withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  const found = new Map<string, DocumentedRoute>();
  app.addHook('onRoute', (options: RouteOptions) => {
    const schema = options.schema as { body?: Schema; response?: Record<string, Schema> } | undefined;
    // each module is registered under its own prefix (routing-admin.ts also registers its siblings)
    const route = `${options.method} ${options.url.replace(/^\/m\d+/, '')}`;
    if (!schema || options.method === 'HEAD' || found.has(route)) return;
    found.set(route, { route, ...(schema.body ? { body: schema.body } : {}), responses: Object.entries(schema.response ?? {}) });
  });
  // registration reads no more than these; the handlers never run here
  const deps = { logger: silentLogger(), publicUrls: PUBLIC_URLS, adminToken: 'unused' } as unknown as ApiDeps;
  const dir = new URL('./routes/', import.meta.url);
  let n = 0;
  for (const file of (await readdir(dir)).filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts'))) {
    const module = (await import(new URL(file, dir).href)) as Record<string, unknown>;
    for (const [name, value] of Object.entries(module)) {
      if (typeof value !== 'function') continue;
      const prefix = `/m${n++}`;
      if (/^register\w*Routes?$/.test(name)) await app.register(async (scope: ZodApp) => value(deps, scope), { prefix });
      else if (name === 'eventRoutes') await app.register(value(deps), { prefix });
    }
  }
  await app.ready();
  await app.close();
  return [...found.values()];
}

const examplesOf = (schema: Schema): unknown[] => z.globalRegistry.get(schema)?.examples ?? [];

/** Every schema in the tree under `root` (through objects, arrays, unions, wrappers) that carries examples. */
function exampledSchemas(root: Schema, seen: Set<Schema>): Schema[] {
  if (seen.has(root)) return [];
  seen.add(root);
  const def = root._zod.def as unknown as Record<string, unknown>;
  const children: unknown[] = [
    ...Object.values((def.shape as Record<string, unknown> | undefined) ?? {}),
    ...((def.options as unknown[] | undefined) ?? []),
    ...((def.items as unknown[] | undefined) ?? []),
    def.element, def.innerType, def.in, def.out, def.keyType, def.valueType, def.left, def.right, def.rest,
  ];
  const nested = children.filter((c): c is Schema => c instanceof z.core.$ZodType).flatMap((c) => exampledSchemas(c, seen));
  return examplesOf(root).length ? [root, ...nested] : nested;
}

/** Has examples itself, or is a list of things that do. */
function documentsAnExample(schema: Schema): boolean {
  if (examplesOf(schema).length) return true;
  const def = schema._zod.def as unknown as { type: string; element?: Schema };
  return def.type === 'array' && def.element !== undefined && documentsAnExample(def.element);
}

const routes = await documentedRoutes();

describe('OpenAPI examples', () => {
  it('finds the routes of every module', () => {
    expect(routes.length).toBeGreaterThan(80);
    expect(routes.map((r) => r.route)).toEqual(expect.arrayContaining(['POST /conversations/:id/messages', 'PATCH /business-hours/:id', 'GET /events']));
  });

  it('documents an example for every JSON request body and every 2xx JSON answer', () => {
    const missing = routes.flatMap(({ route, body, responses }) => [
      ...(body && !documentsAnExample(body) ? [`${route} body`] : []),
      ...responses
        .filter(([status, schema]) => /^2\d\d$/.test(status) && schema._zod.def.type !== 'null' && !RAW_ROUTES.has(route) && !documentsAnExample(schema))
        .map(([status]) => `${route} ${status}`),
    ]);
    expect(missing).toEqual([]);
  });

  it('documents an example for every named schema (an OpenAPI component)', () => {
    const unnamed = [...z.globalRegistry._idmap].filter(([, schema]) => !examplesOf(schema).length).map(([id]) => id);
    expect(unnamed).toEqual([]);
  });

  it('parses every example with the schema that documents it', () => {
    const roots: [where: string, Schema][] = [
      ...[...z.globalRegistry._idmap].map(([id, schema]): [string, Schema] => [id, schema]),
      ...routes.flatMap(({ route, body, responses }) => [...(body ? [[`${route} body`, body] as [string, Schema]] : []), ...responses.map(([status, schema]): [string, Schema] => [`${route} ${status}`, schema])]),
    ];
    const seen = new Set<Schema>();
    const schemas = roots.flatMap(([where, root]) => exampledSchemas(root, seen).map((schema) => [z.globalRegistry.get(schema)?.id ?? `under ${where}`, schema] as const));
    expect(schemas.length).toBeGreaterThan(60);
    const invalid = schemas.flatMap(([name, schema]) =>
      examplesOf(schema).flatMap((example, i) => {
        const result = z.safeParse(schema, example);
        return result.success ? [] : [`${name}, example ${i + 1}: ${z.prettifyError(result.error)}`];
      }),
    );
    expect(invalid).toEqual([]);
  });
});
