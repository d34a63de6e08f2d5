import type { Queryable } from '@switchboard/db';
import { isOpen } from './business-hours.ts';
import type { Clock } from './clock.ts';
import { loadSlaContext } from './sla.ts';

export interface QueuePosition {
  queueId: string;
  /** 1 for the next conversation to be offered. */
  position: number;
  ahead: number;
  /** position × median wait (last 30 min) / online agents; null while there is no recent history. */
  estimatedWaitS: number | null;
}

/** The window over which the median wait-until-assigned is taken. */
export const EWT_WINDOW_S = 30 * 60;

/**
 * Where a waiting conversation stands (scenario 45): its rank among the queue's `queued`
 * conversations in the dispatcher's own order (priority, then age adjusted for VIPs, then
 * id), and an estimated wait. Undefined when it is not waiting in a queue. Meant for the web
 * chat widget and the API; other channels get an auto-reply at most.
 */
export async function queuePosition(db: Queryable, conversationId: string, clock: Clock): Promise<QueuePosition | undefined> {
  const now = clock.now();
  const { rows } = await db.query<{ queueId: string; channel: string; ahead: number }>(
    `with me as (
       select id, queue_id, capacity_channel as channel, priority, enqueued_at - make_interval(secs => age_adjust_s) as age_key
         from conversations where id = $1 and routing_state = 'queued' and queue_id is not null
     )
     select me.queue_id as "queueId", me.channel,
            (select count(*)::int from conversations o
              where o.queue_id = me.queue_id and o.routing_state = 'queued' and o.id <> me.id
                and (o.priority > me.priority
                     or (o.priority = me.priority and (o.enqueued_at - make_interval(secs => o.age_adjust_s), o.id) < (me.age_key, me.id)))) as ahead
       from me`,
    [conversationId],
  );
  const me = rows[0];
  if (!me) return undefined;
  const position = me.ahead + 1;
  const medianS = await medianWaitS(db, me.queueId, now);
  const agents = await onlineEligibleAgents(db, me.queueId, me.channel);
  return {
    queueId: me.queueId,
    position,
    ahead: me.ahead,
    estimatedWaitS: medianS === null ? null : Math.round((position * medianS) / Math.max(1, agents)),
  };
}

/** Median seconds from enqueue to assignment, over assignments started in the last 30 minutes. */
export async function medianWaitS(db: Queryable, queueId: string, now: Date): Promise<number | null> {
  const { rows } = await db.query<{ median: number | null }>(
    `select percentile_cont(0.5) within group (order by extract(epoch from a.started_at - c.enqueued_at))::float8 as median
       from assignments a join conversations c on c.id = a.conversation_id
      where c.queue_id = $1 and a.started_at > $2 and a.started_at <= $3 and a.started_at >= c.enqueued_at`,
    [queueId, new Date(now.getTime() - EWT_WINDOW_S * 1000), now],
  );
  return rows[0]?.median ?? null;
}

/** Members online with a capacity pool for the channel (their own or the weighted '*'). */
export async function onlineEligibleAgents(db: Queryable, queueId: string, channel: string): Promise<number> {
  const { rows } = await db.query<{ n: number }>(
    `select count(*)::int as n from queue_members m join agent_presence p on p.agent_id = m.agent_id
      where m.queue_id = $1 and p.status = 'online'
        and exists(select 1 from agent_load l where l.agent_id = m.agent_id and l.channel in ($2, '*') and l.capacity > 0)`,
    [queueId, channel],
  );
  return rows[0]!.n;
}

export type Availability = { online: true; reason: null } | { online: false; reason: 'outside_business_hours' | 'no_agents_online' | 'no_queue' };

/**
 * Whether anyone can answer a new conversation of `channel` in this queue now: its business
 * hours are open and a member with capacity for the channel is online. The web widget shows
 * its offline form otherwise.
 */
export async function queueAvailability(db: Queryable, queueId: string | null, channel: string, clock: Clock): Promise<Availability> {
  if (!queueId) return { online: false, reason: 'no_queue' };
  const { calendar } = await loadSlaContext(db, queueId);
  if (calendar && !isOpen(clock.now(), calendar)) return { online: false, reason: 'outside_business_hours' };
  if ((await onlineEligibleAgents(db, queueId, channel)) === 0) return { online: false, reason: 'no_agents_online' };
  return { online: true, reason: null };
}
