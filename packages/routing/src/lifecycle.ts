import { appendEvent, type PoolClient } from '@switchboard/db';
import { releaseActive } from './capacity.ts';
import { rescindConversationOffer } from './rescind.ts';

/**
 * Resolves a conversation: pending offer rescinded, the assignee's units released, history
 * closed, all in the caller's transaction. Returns the queues whose waiting work may now be
 * dispatched (every queue of the freed agent, and the conversation's own), or undefined if it
 * was already resolved (resolving twice is harmless).
 */
export async function resolveConversation(tx: PoolClient, id: string, by: { agentId: string | null }, now: Date): Promise<{ freedQueueIds: string[] } | undefined> {
  const { rows } = await tx.query<{ assigneeId: string | null; pool: string | null; cost: number | null; queueId: string | null }>(
    `select assignee_id as "assigneeId", load_pool as pool, load_cost as cost, queue_id as "queueId"
       from conversations where id = $1 and status <> 'resolved' for update`,
    [id],
  );
  const row = rows[0];
  if (!row) return undefined;
  const freed = new Set<string>(await rescindConversationOffer(tx, id, now));
  await tx.query(
    `update conversations set status = 'resolved', routing_state = 'closed', assignee_id = null, load_pool = null, load_cost = null,
            resolved_at = $2, updated_at = $2, version = version + 1
      where id = $1`,
    [id, now],
  );
  if (row.assigneeId && row.pool) {
    await releaseActive(tx, { agentId: row.assigneeId, pool: row.pool, cost: row.cost ?? 1 });
    await tx.query(`update assignments set ended_at = $2 where conversation_id = $1 and ended_at is null`, [id, now]);
    const { rows: qs } = await tx.query<{ id: string }>(`select queue_id as id from queue_members where agent_id = $1`, [row.assigneeId]);
    for (const q of qs) freed.add(q.id);
  }
  await appendEvent(tx, { type: 'conversation.resolved', conversationId: id, agentId: by.agentId, payload: { previousAssigneeId: row.assigneeId } });
  return { freedQueueIds: [...freed] };
}
