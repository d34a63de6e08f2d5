import { appendEvent, withTransaction, type Pool, type Queryable } from '@switchboard/db';
import { releaseActive } from './capacity.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';

export type OfflinePolicy = 'keep' | 'requeue_after_grace' | 'requeue_if_unanswered';

/** What is known about one conversation held by an offline agent. */
export interface HeldFacts {
  policy: OfflinePolicy;
  graceS: number;
  /** When its agent went offline (or it was given to an agent already offline). */
  heldSince: Date;
  lastAgentReplyAt: Date | null;
  /** Start of the current assignment (null: unknown). */
  assignedAt: Date | null;
}

/**
 * The queue's offline policy for one held conversation: `keep` leaves it with the agent;
 * the requeue policies wait out the grace (absorbing reconnects), then `requeue_after_grace`
 * requeues it and `requeue_if_unanswered` only if the agent has not replied since it was
 * assigned (a reply to an earlier assignment does not count).
 */
export function offlineAction(f: HeldFacts, now: Date): 'keep' | 'wait' | 'requeue' {
  if (f.policy === 'keep') return 'keep';
  if (now.getTime() < f.heldSince.getTime() + f.graceS * 1000) return 'wait';
  if (f.policy === 'requeue_if_unanswered' && f.lastAgentReplyAt && (!f.assignedAt || f.lastAgentReplyAt >= f.assignedAt)) return 'keep';
  return 'requeue';
}

/**
 * Open conversations assigned to an offline agent, in a queue whose policy may requeue
 * them. Pending or snoozed ones wait on the customer: they move once the customer writes
 * again (open then, and still held). `$1`: one conversation, or null for all.
 */
const HELD = `
  select c.id, c.queue_id as "queueId", c.assignee_id as "agentId", c.load_pool as pool, c.load_cost as cost,
         q.offline_policy as policy, q.offline_grace_s as "graceS",
         coalesce(c.held_offline_since, p.offline_since, p.status_since) as "heldSince",
         c.last_agent_reply_at as "lastAgentReplyAt",
         (select max(a.started_at) from assignments a
           where a.conversation_id = c.id and a.agent_id = c.assignee_id and a.ended_at is null) as "assignedAt"
    from conversations c
    join agent_presence p on p.agent_id = c.assignee_id
    join queues q on q.id = c.queue_id
   where c.routing_state = 'assigned' and c.status = 'open' and p.status = 'offline' and q.offline_policy <> 'keep'
     and ($1::uuid is null or c.id = $1)`;

interface Held extends HeldFacts {
  id: string;
  queueId: string;
  agentId: string;
  pool: string | null;
  cost: number | null;
}

/**
 * Sweeper step: applies each queue's offline policy to the conversations its offline agents
 * hold. A requeued conversation keeps its priority, loses its sticky agent (who is gone),
 * starts over at step 1 and gives the agent's units back. Its place in line counts from when
 * its agent went offline: that is when the customer started waiting again. Returns the
 * queues to dispatch.
 */
export async function applyOfflinePolicies(pool: Pool, clock: Clock): Promise<string[]> {
  const now = clock.now();
  // no limit: bounded by what offline agents can hold, and answered chats kept under
  // requeue_if_unanswered must not crowd due ones out of a batch
  const { rows } = await pool.query<Held>(`${HELD} order by c.id`, [null]);
  const dispatch = new Set<string>();
  for (const { id } of rows.filter((r) => offlineAction(r, now) === 'requeue')) {
    const queueId = await withTransaction(pool, async (tx) => {
      // re-checked under the row lock: the agent may have reconnected, or the chat moved on
      const { rows: held } = await tx.query<Held>(`${HELD} for update of c`, [id]);
      const c = held[0];
      if (!c || offlineAction(c, now) !== 'requeue') return undefined;
      await tx.query(
        `update conversations set routing_state = 'queued', assignee_id = null, sticky_agent_id = null, load_pool = null, load_cost = null,
                held_offline_since = null, units_released_at = null, enqueued_at = $2, step_no = 1, step_started_at = null, offer_attempts = 0,
                version = version + 1, updated_at = $3
          where id = $1`,
        [c.id, c.heldSince, now],
      );
      await tx.query(`delete from offer_exclusions where conversation_id = $1`, [c.id]);
      if (c.pool) await releaseActive(tx, { agentId: c.agentId, pool: c.pool, cost: c.cost ?? 1 });
      await tx.query(`update assignments set ended_at = $2 where conversation_id = $1 and ended_at is null`, [c.id, now]);
      await logDecision(tx, c.id, 'requeued', now, { reason: 'agent_offline', policy: c.policy, agentId: c.agentId, heldSince: c.heldSince });
      await appendEvent(tx, {
        type: 'conversation.requeued',
        conversationId: c.id,
        agentId: c.agentId,
        payload: { reason: 'agent_offline', policy: c.policy, queueId: c.queueId, previousAssigneeId: c.agentId },
      });
      return c.queueId;
    });
    if (queueId) dispatch.add(queueId);
  }
  return [...dispatch];
}

/**
 * The `held_by_offline_agent` gauge: per queue, open or waiting-on-customer conversations
 * assigned to an agent who is offline (under `keep` they stay there; under the requeue
 * policies they are counted while their grace runs).
 */
export async function heldByOfflineAgent(db: Queryable, queueId?: string): Promise<{ queueId: string; count: number }[]> {
  const { rows } = await db.query<{ queueId: string; count: number }>(
    `select c.queue_id as "queueId", count(*)::int as count
       from conversations c join agent_presence p on p.agent_id = c.assignee_id
      where c.routing_state = 'assigned' and p.status = 'offline' and c.queue_id is not null
        and ($1::uuid is null or c.queue_id = $1)
      group by c.queue_id order by c.queue_id`,
    [queueId ?? null],
  );
  return rows;
}
