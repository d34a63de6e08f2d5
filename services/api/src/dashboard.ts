import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, HttpError } from '@switchboard/errors';
import { authenticate, hasRole, principalOf } from './auth.ts';
import type { DeadLetters } from './dead-letters.ts';
import type { ApiDeps } from './deps.ts';
import { handleNotFound } from './error-handler.ts';

/** Where the queue dashboard is mounted. */
export const DASHBOARD_PATH = '/admin/queues';

// the page's own requests (its JSON API, scripts, styles) carry no Authorization header: after a
// `?access_token=` load the token rides in this cookie, sent only to the dashboard's paths
const COOKIE = 'sb_queues_token';

function cookieToken(header: string | undefined): string | undefined {
  for (const part of header?.split(';') ?? []) {
    const [name, ...value] = part.trim().split('=');
    if (name === COOKIE) return decodeURIComponent(value.join('='));
  }
  return undefined;
}

// the default serializer logs the URL, which may carry the token
const redactedRequest = (request: FastifyRequest) => ({
  method: request.method,
  url: request.url.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]'),
  remoteAddress: request.ip,
});

/**
 * Admins only: a bearer token, `?access_token=` (a browser page cannot set headers), or the
 * cookie the latter sets. Answered here rather than thrown, since bull-board's own error handler
 * would otherwise answer for its routes.
 */
function guard(deps: Pick<ApiDeps, 'pool' | 'adminToken'>) {
  const check = authenticate(deps);
  return async (request: FastifyRequest, reply: FastifyReply) => {
    const query = (request.query as { access_token?: unknown } | undefined)?.access_token;
    const fromQuery = typeof query === 'string' && query !== '' ? query : undefined;
    const token = fromQuery ?? cookieToken(request.headers.cookie);
    if (request.headers.authorization === undefined && token) request.headers.authorization = `Bearer ${token}`;
    try {
      await check.call(request.server, request, reply);
      if (!hasRole(principalOf(request), 'admin')) throw new HttpError(403, 'forbidden', 'the queue dashboard needs the admin role');
    } catch (error) {
      const status = error instanceof HttpError ? error.statusCode : 500;
      const body = { error: { code: error instanceof AppError ? error.code : 'internal', message: status < 500 ? (error as Error).message : 'internal error' } };
      if (status === 401) void reply.header('www-authenticate', 'Bearer');
      return reply.code(status).send(body);
    }
    if (fromQuery) {
      const secure = request.protocol === 'https' ? '; Secure' : '';
      void reply.header('set-cookie', `${COOKIE}=${encodeURIComponent(fromQuery)}; Path=${DASHBOARD_PATH}; HttpOnly; SameSite=Strict${secure}`);
    }
  };
}

/**
 * bull-board over every queue of the catalog, read-only: replay and discard go through
 * `/api/v1/dead-letters` (or scripts/replay-dead-letters.ts), which reset an outbound reply
 * before its job runs again and write the audit log; a retry from the board would do neither.
 * Without queue access (`store` absent) the board shows no queues.
 */
export function dashboardRoutes(deps: Pick<ApiDeps, 'pool' | 'adminToken'>, store?: DeadLetters) {
  return async (app: FastifyInstance): Promise<void> => {
    app.addHook('onRoute', (route) => {
      route.logSerializers = { ...route.logSerializers, req: redactedRequest };
    });
    app.addHook('onRequest', guard(deps));
    // its own not-found handler, so the guard answers first: no 404 tells a stranger what is here
    app.setNotFoundHandler(handleNotFound);
    const serverAdapter = new FastifyAdapter();
    serverAdapter.setBasePath(DASHBOARD_PATH);
    const description = 'read-only: replay or discard with POST/DELETE /api/v1/dead-letters/:queue/:jobId';
    createBullBoard({
      queues: [...(store?.queues.values() ?? [])].map((queue) => new BullMQAdapter(queue, { readOnlyMode: true, description })),
      serverAdapter,
      options: { uiConfig: { boardTitle: 'Switchboard queues' } },
    });
    await app.register(serverAdapter.registerPlugin());
  };
}
