import type { FastifyInstance, FastifyRequest } from 'fastify';
import { badRequest } from '@switchboard/errors';

const rawBodies = new WeakMap<object, Buffer>();
const EMPTY = Buffer.alloc(0);

/**
 * JSON bodies are kept as received, so the adapter's `verify` sees the request's real bytes
 * (the InboundRequest contract). An empty body parses as undefined rather than failing, so a
 * bodiless `POST .../sessions` is the same as `{}`.
 */
export function registerJsonParser(app: FastifyInstance): void {
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const bytes = body as Buffer;
    rawBodies.set(req.raw, bytes);
    if (bytes.length === 0) return done(null, undefined);
    try {
      done(null, JSON.parse(bytes.toString('utf8')));
    } catch {
      done(badRequest('invalid_json', 'body is not valid JSON'), undefined);
    }
  });
}

export function rawBodyOf(req: FastifyRequest): Buffer {
  return rawBodies.get(req.raw) ?? EMPTY;
}
