import type { FastifyReply, FastifyRequest } from 'fastify';
import { authenticateVisitor, type VisitorTokenClaims } from '@switchboard/channels';
import { allowOrigin } from './cors.ts';
import { assertOriginAllowed, type WebchatInbox, type WebchatInboxes } from './inboxes.ts';
import { rawBodyOf } from './raw-body.ts';

export type InboxRequest = FastifyRequest<{ Params: { inboxId: string } }>;

/** Loads the inbox and checks the Origin; CORS headers are set first so errors are readable too. */
export async function inboxFor(inboxes: WebchatInboxes, req: InboxRequest, reply: FastifyReply): Promise<WebchatInbox> {
  const inbox = await inboxes.require(req.params.inboxId);
  assertOriginAllowed(inbox, req.headers.origin);
  allowOrigin(reply, req.headers.origin);
  return inbox;
}

/** The webchat adapter's verify, keeping the claims: throws SignatureError (401). */
export function visitorOf(req: InboxRequest, inbox: WebchatInbox): VisitorTokenClaims {
  return authenticateVisitor(
    { method: req.method, headers: req.headers, query: req.query as Record<string, string | undefined>, rawBody: rawBodyOf(req) },
    inbox,
  );
}
