import type { FastifyInstance, FastifyReply } from 'fastify';
import { assertOriginAllowed, type WebchatInboxes } from './inboxes.ts';

/**
 * The widget runs on the customer's website and calls this service cross-origin, with an
 * Authorization header (so browsers send a preflight). Visitor tokens are bearer tokens, not
 * cookies, so reflecting an allowed origin exposes nothing a page could not already send.
 */
export function allowOrigin(reply: FastifyReply, origin: string | undefined): void {
  if (origin === undefined) return;
  reply.header('access-control-allow-origin', origin);
  reply.header('vary', 'Origin');
  // the widget reads Retry-After on a 503 to time its retry
  reply.header('access-control-expose-headers', 'Retry-After');
}

export function registerPreflight(app: FastifyInstance, inboxes: WebchatInboxes): void {
  app.options<{ Params: { inboxId: string; resource: string } }>('/webchat/:inboxId/:resource', async (req, reply) => {
    const inbox = await inboxes.require(req.params.inboxId);
    assertOriginAllowed(inbox, req.headers.origin);
    allowOrigin(reply, req.headers.origin);
    return reply
      .code(204)
      .header('access-control-allow-methods', 'GET, POST')
      .header('access-control-allow-headers', 'authorization, content-type')
      .header('access-control-max-age', '600')
      .send();
  });
}
