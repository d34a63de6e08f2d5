import { appendEvent, withTransaction, type Pool } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';

export type ReopenRefusal = 'not_found' | 'not_resolved' | 'not_last_assignee' | 'superseded';

export type ReopenResult =
  | {
      ok: true;
      conversationId: string;
      /** Null when the conversation has no queue any more: it is open but `unrouted`. */
      queueId: string | null;
      /** Who gets first refusal: the last agent who held it. */
      stickyAgentId: string | null;
      /** Queues to dispatch after commit. */
      dispatch: string[];
    }
  | { ok: false; reason: ReopenRefusal };

export interface ReopenInput {
  conversationId: string;
  by: { agentId: string | null };
  /** Only if `by.agentId` was the last assignee (an agent reopening their own work), checked under the lock. */
  onlyLastAssignee?: boolean;
  clock: Clock;
}

interface Locked {
  status: string;
  queueId: string | null;
  lastAssigneeId: string | null;
}

/**
 * Reopens a resolved conversation by hand (ROUTING.md §1.4 `closed → queued`): open again,
 * back in line in its queue from now, with its last assignee as sticky agent, so it goes to
 * them if they are online with room and otherwise to whoever the strategy picks (scenario 32,
 * chatwoot/chatwoot #9587). The same as the customer writing again, except that no SLA clock
 * starts: nobody is owed a reply until the customer writes, and that message starts them.
 * The queue's size limit is not applied: a person chose to put it back, as with a transfer.
 * Locks as inbound does (the thread, then the row), since only one conversation of a thread
 * may be live: if the customer already has a newer one, this one is `superseded`.
 */
export async function reopenConversation(pool: Pool, input: ReopenInput): Promise<ReopenResult> {
  const now = input.clock.now();
  const id = input.conversationId;
  return withTransaction(pool, async (tx): Promise<ReopenResult> => {
    // inbox and thread never change: read them first to take the thread lock in inbound's order
    const { rows: thread } = await tx.query<{ inboxId: string; threadKey: string }>(
      `select inbox_id as "inboxId", thread_key as "threadKey" from conversations where id = $1`,
      [id],
    );
    if (!thread[0]) return { ok: false, reason: 'not_found' };
    await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`thread:${thread[0].inboxId}:${thread[0].threadKey}`]);
    const { rows } = await tx.query<Locked>(
      `select c.status, c.queue_id as "queueId",
              (select a.agent_id from assignments a where a.conversation_id = c.id order by a.started_at desc, a.id desc limit 1) as "lastAssigneeId"
         from conversations c where c.id = $1 for update of c`,
      [id],
    );
    const c = rows[0]!;
    // permission first: an agent who may not reopen it learns nothing about its state
    if (input.onlyLastAssignee && (!input.by.agentId || c.lastAssigneeId !== input.by.agentId)) return { ok: false, reason: 'not_last_assignee' };
    if (c.status !== 'resolved') return { ok: false, reason: 'not_resolved' };
    const { rows: live } = await tx.query(
      `select 1 from conversations where inbox_id = $1 and thread_key = $2 and status <> 'resolved' and id <> $3`,
      [thread[0].inboxId, thread[0].threadKey, id],
    );
    if (live[0]) return { ok: false, reason: 'superseded' };

    const { rows: updated } = await tx.query<{ stickyAgentId: string | null }>(
      `update conversations set status = 'open', routing_state = case when queue_id is null then 'unrouted' else 'queued' end,
              assignee_id = null, sticky_agent_id = coalesce($2, sticky_agent_id), enqueued_at = $3, step_no = 1, step_started_at = null,
              offer_attempts = 0, overflow_depth = 0, load_pool = null, load_cost = null, units_released_at = null, held_offline_since = null,
              snoozed_until = null, close_reason = null, resolved_at = null, version = version + 1, updated_at = $3
        where id = $1
        returning sticky_agent_id as "stickyAgentId"`,
      [id, c.lastAssigneeId, now],
    );
    const stickyAgentId = updated[0]!.stickyAgentId;
    // a new routing period: whoever declined last time may take it now
    await tx.query(`delete from offer_exclusions where conversation_id = $1`, [id]);
    const payload = { by: input.by, queueId: c.queueId, stickyAgentId };
    await logDecision(tx, id, 'reopened', now, payload);
    await appendEvent(tx, { type: 'conversation.reopened', conversationId: id, agentId: input.by.agentId, payload });
    return { ok: true, conversationId: id, queueId: c.queueId, stickyAgentId, dispatch: c.queueId ? [c.queueId] : [] };
  });
}
