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
 * The events the routing counters on /metrics count (ROUTING.md 1.7), with their label: the SLA
 * kind of a breach, the reason of a requeue. The predicate is the one of index `events_counted`.
 */
const COUNTED_EVENTS = `(type like 'offer.%' or type in ('sla.breached', 'conversation.overflowed', 'conversation.requeued', 'conversation.transferred', 'conversation.abandoned'))`;
const EVENT_LABEL = `coalesce(case type when 'sla.breached' then payload->>'kind' when 'conversation.requeued' then payload->>'reason' end, '')`;

export interface EventCount {
  type: string;
  /** The SLA kind of a breach, the reason of a requeue; null for the others. */
  label: string | null;
  count: number;
}

/**
 * How many counted events were ever appended, by type and label: those still in `events` plus
 * those pruned (folded into `pruned_event_counts` by the same statement that deleted them), so
 * the totals never fall. Read it in one snapshot (repeatable read) with the rest of a scrape.
 */
export async function countedEventTotals(db: Queryable): Promise<EventCount[]> {
  const { rows } = await db.query<EventCount>(
    `select type, nullif(label, '') as label, sum(n)::float8 as count
       from (select type, ${EVENT_LABEL} as label, count(*) as n from events where ${COUNTED_EVENTS} group by 1, 2
             union all
             select type, label, count from pruned_event_counts) t
      group by type, label
      order by type, label`,
  );
  return rows;
}

/**
 * Deletes outbox events older than `olderThan`, oldest first, at most `batch` per statement so a
 * large backlog never holds one long lock. Resumable streams and webhook fan-out read far newer
 * events; a client resuming from before the horizon gets what is left. The counted events among
 * them are added to `pruned_event_counts` in the same statement (concurrent prunes delete each
 * row once, so each is folded once). Returns how many went.
 */
export async function pruneEvents(db: Queryable, olderThan: Date, batch = 5_000): Promise<number> {
  let total = 0;
  for (;;) {
    const { rows } = await db.query<{ deleted: number }>(
      `with gone as (
         delete from events where id in (select id from events where created_at < $1 order by id limit $2)
         returning type, payload),
       folded as (
         insert into pruned_event_counts(type, label, count)
         select type, ${EVENT_LABEL}, count(*) from gone where ${COUNTED_EVENTS} group by 1, 2
         on conflict (type, label) do update set count = pruned_event_counts.count + excluded.count)
       select count(*)::int as deleted from gone`,
      [olderThan, batch],
    );
    const deleted = rows[0]?.deleted ?? 0;
    total += deleted;
    if (deleted < batch) return total;
  }
}
