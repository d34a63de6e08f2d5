import type { FastifyInstance } from 'fastify';
import type { Pool, Queryable } from '@switchboard/db';
import { HttpError } from '@switchboard/errors';
import { queuePosition, systemClock, type Clock } from '@switchboard/routing';
import type { WebchatInboxes } from './inboxes.ts';
import { inboxFor, visitorOf } from './visitor-request.ts';

export interface PositionRouteDeps {
  pool: Pool;
  inboxes: WebchatInboxes;
  /** Routing's time source for the estimated wait; tests may pass a manual clock. */
  clock?: Clock;
}

/** What the widget shows while the visitor waits; all null but the state once an agent has it. */
export interface VisitorPosition {
  /** 1 for the next conversation to be offered. */
  position: number | null;
  ahead: number | null;
  /** Seconds; null while there is no recent history to estimate from. */
  estimatedWaitS: number | null;
  routingState: string;
}

/** The visitor's live conversation in this inbox: a web-chat conversation's thread key is the visitor id. */
async function liveConversation(db: Queryable, inboxId: string, visitorId: string): Promise<{ id: string; routingState: string } | undefined> {
  const { rows } = await db.query<{ id: string; routingState: string }>(
    `select id, routing_state as "routingState" from conversations where inbox_id = $1 and thread_key = $2 and status <> 'resolved'`,
    [inboxId, visitorId],
  );
  return rows[0];
}


/**
 * `GET /webchat/:inboxId/position`: where the visitor's conversation stands in line and about
 * how long it will take (ROUTING.md §1.3: position and EWT go to web chat only; other channels
 * get an auto-reply at most). The widget polls it while `routingState` is `queued`.
 */
export function registerPositionRoute(app: FastifyInstance, deps: PositionRouteDeps): void {
  const clock = deps.clock ?? systemClock;
  app.get<{ Params: { inboxId: string } }>('/webchat/:inboxId/position', async (req, reply): Promise<VisitorPosition> => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const conversation = await liveConversation(deps.pool, inbox.id, visitor.visitorId);
    if (!conversation) throw new HttpError(404, 'no_conversation', 'no open conversation for this visitor: send a message first');
    const place = conversation.routingState === 'queued' ? await queuePosition(deps.pool, conversation.id, clock) : undefined;
    // queued a moment ago but not in line now: it was offered or assigned in between, so say what it is now
    const routingState = place || conversation.routingState !== 'queued'
      ? conversation.routingState
      : ((await liveConversation(deps.pool, inbox.id, visitor.visitorId))?.routingState ?? 'closed');
    return { position: place?.position ?? null, ahead: place?.ahead ?? null, estimatedWaitS: place?.estimatedWaitS ?? null, routingState };
  });
}
