import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import type { FastifyInstance } from 'fastify';

const ENTRY = fileURLToPath(new URL('../widget/main.ts', import.meta.url));
/** Short, so a fixed widget reaches visitors within minutes; the ETag makes revalidation cheap. */
const CACHE_CONTROL = 'public, max-age=300';

export interface WidgetBundle {
  code: string;
  etag: string;
}

/** Bundles widget/ into one minified IIFE, in memory: there is no build step to forget. */
export async function buildWidgetBundle(): Promise<WidgetBundle> {
  const result = await build({
    entryPoints: [ENTRY],
    bundle: true,
    minify: true,
    format: 'iife',
    target: 'es2019',
    write: false,
    legalComments: 'none',
    logLevel: 'silent',
  });
  const code = result.outputFiles[0]!.text;
  return { code, etag: `"${createHash('sha256').update(code).digest('base64url')}"` };
}

function matches(ifNoneMatch: string | undefined, etag: string): boolean {
  if (!ifNoneMatch) return false;
  return ifNoneMatch.split(',').some((tag) => {
    const t = tag.trim();
    return t === '*' || t === etag || t === `W/${etag}`;
  });
}

/** `GET /widget.js`: a public script any site may load, hence `access-control-allow-origin: *`. */
export async function registerWidgetBundle(app: FastifyInstance): Promise<void> {
  const bundle = await buildWidgetBundle();
  app.get('/widget.js', async (req, reply) => {
    reply.header('etag', bundle.etag).header('cache-control', CACHE_CONTROL).header('access-control-allow-origin', '*');
    if (matches(req.headers['if-none-match'], bundle.etag)) return reply.code(304).send();
    return reply.type('text/javascript; charset=utf-8').send(bundle.code);
  });
}
