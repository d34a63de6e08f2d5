import { appendEvent, withTransaction, type Pool, type PoolClient, type Queryable } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import type { SlaKind } from './sla-due.ts';

export interface SlaBreach {
  timerId: string;
  conversationId: string;
  kind: SlaKind;
  dueAt: Date;
  anchorMessageId: string | null;
}

export interface SlaSweep {
  breached: SlaBreach[];
  /** Queues whose order changed because a breach raised a waiting conversation's priority. */
  dispatch: string[];
}

/**
 * Records every SLA timer that reached its due time without being met, once: the guarded
 * `update … where breached_at is null returning` lets exactly one of several routers claim
 * each breach, and only the claimer writes the `sla.breached` event and raises the
 * conversation's priority by the policy's `breach_priority_boost` (escalation).
 */
export async function sweepSla(pool: Pool, clock: Clock, limit = 1000): Promise<SlaSweep> {
  const now = clock.now();
  // a conversation resolved before its timers were due met them, even if nobody settled them
  await pool.query(
    `update sla_timers t set met_at = c.resolved_at, paused_at = null from conversations c
      where c.id = t.conversation_id and c.status = 'resolved' and c.resolved_at is not null
        and t.met_at is null and t.breached_at is null and (t.due_at is null or t.due_at > c.resolved_at)`,
  );
  const { rows: due } = await pool.query<{ conversationId: string }>(
    `select distinct conversation_id as "conversationId" from sla_timers
      where met_at is null and breached_at is null and paused_at is null and due_at <= $1 limit $2`,
    [now, limit],
  );
  const result: SlaSweep = { breached: [], dispatch: [] };
  const dispatch = new Set<string>();
  for (const { conversationId } of due) {
    const outcome = await withTransaction(pool, (tx) => breachConversation(tx, conversationId, now));
    result.breached.push(...outcome.breached);
    if (outcome.dispatch) dispatch.add(outcome.dispatch);
  }
  result.dispatch = [...dispatch];
  return result;
}

/**
 * The SLA timer job fired for one conversation (armed at its due time after commit): the
 * same guarded breach as the sweep, so a duplicated job, a sweep at the same moment or a
 * second router records each breach once. A no-op when nothing is due (met, paused, moved).
 */
export async function breachDueSla(pool: Pool, conversationId: string, clock: Clock): Promise<SlaSweep> {
  const outcome = await withTransaction(pool, (tx) => breachConversation(tx, conversationId, clock.now()));
  return { breached: outcome.breached, dispatch: outcome.dispatch ? [outcome.dispatch] : [] };
}

/** Due times of a conversation's running timers: what to arm as delayed jobs after commit. */
export async function runningSlaDueTimes(db: Queryable, conversationId: string): Promise<Date[]> {
  const { rows } = await db.query<{ dueAt: Date }>(
    `select distinct due_at as "dueAt" from sla_timers
      where conversation_id = $1 and met_at is null and breached_at is null and paused_at is null and due_at is not null
      order by due_at`,
    [conversationId],
  );
  return rows.map((r) => r.dueAt);
}

async function breachConversation(tx: PoolClient, conversationId: string, now: Date): Promise<{ breached: SlaBreach[]; dispatch?: string }> {
  // lock order: the conversation row before its timers, as replies and status changes do
  const { rows: conv } = await tx.query<{ queueId: string | null; state: string; boost: number | null }>(
    `select c.queue_id as "queueId", c.routing_state as state, p.breach_priority_boost as boost
       from conversations c left join queues q on q.id = c.queue_id left join sla_policies p on p.id = q.sla_policy_id
      where c.id = $1 for update of c`,
    [conversationId],
  );
  const { rows } = await tx.query<SlaBreach>(
    `update sla_timers set breached_at = due_at
      where conversation_id = $1 and met_at is null and breached_at is null and paused_at is null and due_at <= $2
      returning id::text as "timerId", conversation_id as "conversationId", kind, due_at as "dueAt", anchor_message_id as "anchorMessageId"`,
    [conversationId, now],
  );
  const c = conv[0];
  let dispatch: string | undefined;
  for (const b of rows) {
    await appendEvent(tx, {
      type: 'sla.breached',
      conversationId,
      payload: { kind: b.kind, timerId: b.timerId, dueAt: b.dueAt, anchorMessageId: b.anchorMessageId, detectedAt: now, queueId: c?.queueId ?? null },
    });
    if (c && c.boost && c.state !== 'closed') {
      await tx.query(`update conversations set priority = priority + $2, version = version + 1, updated_at = $3 where id = $1`, [conversationId, c.boost, now]);
      await logDecision(tx, conversationId, 'sla_escalated', now, { kind: b.kind, boost: c.boost });
      if (c.state === 'queued' && c.queueId) dispatch = c.queueId;
    }
  }
  return { breached: rows, dispatch };
}
