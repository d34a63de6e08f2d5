import type { DomainEventType } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';

export const EVENTS_CHANNEL = 'switchboard_events';

export interface DomainEvent {
  id: string;
  type: DomainEventType;
  conversationId: string | null;
  agentId: string | null;
  payload: Record<string, unknown>;
  createdAt: Date;
}

/**
 * Appends an event to the outbox inside the caller's transaction. NOTIFY is transactional:
 * listeners hear about the event only once the change that produced it is committed.
 */
export async function appendEvent(
  db: Queryable,
  event: { type: DomainEventType; conversationId?: string | null; agentId?: string | null; payload?: Record<string, unknown> },
): Promise<string> {
  const { rows } = await db.query<{ id: string }>(
    `with e as (
       insert into events(type, conversation_id, agent_id, payload) values ($1, $2, $3, $4) returning id
     )
     select id, pg_notify($5, id::text) from e`,
    [event.type, event.conversationId ?? null, event.agentId ?? null, event.payload ?? {}, EVENTS_CHANNEL],
  );
  return rows[0]!.id;
}

export async function eventsAfter(db: Queryable, afterId: string, limit = 500): Promise<DomainEvent[]> {
  const { rows } = await db.query(
    `select id, type, conversation_id as "conversationId", agent_id as "agentId", payload, created_at as "createdAt"
       from events where id > $1 order by id limit $2`,
    [afterId, limit],
  );
  return rows as DomainEvent[];
}

/**
 * Deletes outbox events older than `olderThan`, oldest first, at most `batch` per statement so a
 * large backlog never holds one long lock. Resumable streams and webhook fan-out read far newer
 * events; a client resuming from before the horizon gets what is left. Returns how many went.
 */
export async function pruneEvents(db: Queryable, olderThan: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rowCount } = await db.query(
      `delete from events where id in (select id from events where created_at < $1 order by id limit $2)`,
      [olderThan, batch],
    );
    total += rowCount ?? 0;
    if ((rowCount ?? 0) < batch) return total;
  }
}
