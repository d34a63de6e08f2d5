import { agentQueueIds, appendEvent, withTransaction, type Pool, type Queryable } from '@switchboard/db';
import { claimUnits, holdFor, releaseActive, type Hold } from './capacity.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { pauseSla, resumeSla } from './sla.ts';

export const LIVE_STATUSES = ['open', 'pending', 'snoozed'] as const;
export type LiveStatus = (typeof LIVE_STATUSES)[number];

export type StatusChange =
  | { ok: false; reason: 'not_found' | 'resolved' }
  | {
      ok: true;
      previous: LiveStatus;
      /** Units given back on pending/snoozed (queue.release_on_pending). */
      released: boolean;
      /** On open: units taken back, or the agent was full and the conversation went back in line. */
      reclaim: 'none' | 'reclaimed' | 'requeued';
      /** Queues to dispatch after commit. */
      dispatch: string[];
    };

interface Row {
  status: LiveStatus | 'resolved';
  routingState: string;
  queueId: string | null;
  assigneeId: string | null;
  channel: string;
  pool: string | null;
  cost: number | null;
  releasedAt: Date | null;
  releaseOnPending: boolean | null;
}

/**
 * Sets a live conversation open, pending or snoozed (scenario 44). Pending/snoozed pauses
 * the SLA clocks (if the policy says so) and, when the queue releases on pending, gives the
 * assignee's units back while they keep the conversation. Open resumes the clocks and takes
 * the units back with the same guarded claim as dispatch; if the agent filled up meanwhile,
 * the conversation is requeued (sticky to them) instead of exceeding capacity.
 */
export async function setConversationStatus(
  pool: Pool,
  input: { conversationId: string; status: LiveStatus; clock: Clock; snoozedUntil?: Date | null },
): Promise<StatusChange> {
  const now = input.clock.now();
  return withTransaction(pool, (tx) => changeConversationStatus(tx, input.conversationId, input.status, now, input.snoozedUntil ?? null));
}

/** The same, in the caller's transaction (the inbound path reopens on the customer's reply). */
export async function changeConversationStatus(tx: Queryable, conversationId: string, status: LiveStatus, now: Date, snoozedUntil: Date | null = null): Promise<StatusChange> {
  const { rows } = await tx.query<Row>(
    `select c.status, c.routing_state as "routingState", c.queue_id as "queueId", c.assignee_id as "assigneeId", c.capacity_channel as channel,
            c.load_pool as pool, c.load_cost as cost, c.units_released_at as "releasedAt", q.release_on_pending as "releaseOnPending"
       from conversations c left join queues q on q.id = c.queue_id where c.id = $1 for update of c`,
    [conversationId],
  );
  const c = rows[0];
  if (!c) return { ok: false, reason: 'not_found' };
  if (c.status === 'resolved') return { ok: false, reason: 'resolved' };
  const result = { ok: true as const, previous: c.status, released: false, reclaim: 'none' as 'none' | 'reclaimed' | 'requeued', dispatch: [] as string[] };
  await tx.query(
    `update conversations set status = $2, snoozed_until = $3, version = version + 1, updated_at = $4 where id = $1`,
    [conversationId, status, status === 'snoozed' ? snoozedUntil : null, now],
  );
  if (status !== 'open' && c.status === 'open') {
    await pauseSla(tx, conversationId, c.queueId, now);
    if (c.releaseOnPending && c.routingState === 'assigned' && c.assigneeId && c.pool) {
      result.dispatch = await releaseUnits(tx, conversationId, { agentId: c.assigneeId, pool: c.pool, cost: c.cost ?? 1 }, now);
      result.released = true;
    }
  }
  if (status === 'open' && c.status !== 'open') {
    await resumeSla(tx, conversationId, c.queueId, now);
    // only units really given back are taken back: a transfer meanwhile claimed its own
    if (c.releasedAt && c.assigneeId && !c.pool && c.routingState === 'assigned') {
      const reclaimed = await reclaimUnits(tx, conversationId, c, c.assigneeId, now);
      result.reclaim = reclaimed ? 'reclaimed' : 'requeued';
      if (!reclaimed && c.queueId) result.dispatch = [c.queueId];
    }
  }
  if (status !== c.status) await appendEvent(tx, { type: 'conversation.status_changed', conversationId, payload: { status, previous: c.status, released: result.released, reclaim: result.reclaim } });
  return result;
}

async function releaseUnits(tx: Queryable, conversationId: string, hold: Hold, now: Date): Promise<string[]> {
  await tx.query(`update conversations set load_pool = null, load_cost = null, units_released_at = $2 where id = $1`, [conversationId, now]);
  await releaseActive(tx, hold);
  await logDecision(tx, conversationId, 'units_released', now, { ...hold, reason: 'pending' });
  return agentQueueIds(tx, hold.agentId);
}

async function reclaimUnits(tx: Queryable, conversationId: string, c: Row, agentId: string, now: Date): Promise<boolean> {
  const hold = await holdFor(tx, agentId, c.channel);
  if (hold && (await claimUnits(tx, hold, now, true))) {
    await tx.query(`update conversations set load_pool = $2, load_cost = $3, units_released_at = null where id = $1`, [conversationId, hold.pool, hold.cost]);
    await logDecision(tx, conversationId, 'units_reclaimed', now, { ...hold });
    return true;
  }
  // full: back in line, sticky to the agent who had it, rather than over capacity
  await tx.query(
    `update conversations set routing_state = case when queue_id is null then 'unrouted' else 'queued' end, assignee_id = null, sticky_agent_id = $2, load_pool = null, load_cost = null,
            units_released_at = null, enqueued_at = $3, step_no = 1, step_started_at = null, offer_attempts = 0,
            version = version + 1, updated_at = $3
      where id = $1`,
    [conversationId, agentId, now],
  );
  await tx.query(`update assignments set ended_at = $2 where conversation_id = $1 and ended_at is null`, [conversationId, now]);
  await logDecision(tx, conversationId, 'requeued', now, { reason: 'reclaim_full', previousAssigneeId: agentId });
  await appendEvent(tx, { type: 'conversation.requeued', conversationId, agentId, payload: { reason: 'reclaim_full', queueId: c.queueId } });
  return false;
}
