import { agentQueueIds, appendEvent, type PoolClient } from '@switchboard/db';
import { releaseActive, type Hold } from './capacity.ts';
import { recordConversationMetrics, type RecordedMetrics } from './record-metrics.ts';
import { rescindConversationOffer } from './rescind.ts';
import { settleSlaOnResolve } from './sla.ts';
import { openSurvey, type SurveyMessage } from './survey.ts';

/**
 * Resolves a conversation: pending offer rescinded, the assignee's units released, history
 * closed, all in the caller's transaction. Returns the queues whose waiting work may now be
 * dispatched (every queue of the freed agent, and the conversation's own), or undefined if it
 * was already resolved (resolving twice is harmless).
 */
export async function resolveConversation(
  tx: PoolClient,
  id: string,
  by: { agentId: string | null },
  now: Date,
): Promise<{ freedQueueIds: string[]; survey?: SurveyMessage; metrics?: RecordedMetrics } | undefined> {
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
            held_offline_since = null, resolved_at = $2, updated_at = $2, version = version + 1
      where id = $1`,
    [id, now],
  );
  const metrics = await recordConversationMetrics(tx, id, now);
  const survey = await openSurvey(tx, id, now);
  if (row.assigneeId && row.pool) await releaseActive(tx, { agentId: row.assigneeId, pool: row.pool, cost: row.cost ?? 1 });
  await settleSlaOnResolve(tx, id, now);
  if (row.assigneeId) {
    await tx.query(`update assignments set ended_at = $2 where conversation_id = $1 and ended_at is null`, [id, now]);
    for (const q of await agentQueueIds(tx, row.assigneeId)) freed.add(q);
  }
  await appendEvent(tx, { type: 'conversation.resolved', conversationId: id, agentId: by.agentId, payload: { previousAssigneeId: row.assigneeId } });
  return { freedQueueIds: [...freed], ...(survey && { survey }), ...(metrics && { metrics }) };
}

/** A conversation locked for a hand-over (manual assignment, transfer), with its pending offer. */
export interface HandoverConversation {
  id: string;
  channel: string;
  status: string;
  routingState: string;
  queueId: string | null;
  assigneeId: string | null;
  pool: string | null;
  cost: number | null;
  offerAttempts: number;
  offer: { id: string; agentId: string; pool: string } | undefined;
}

/** Locks the conversation, then its pending offer: the engine's lock order. */
export async function lockForHandover(tx: PoolClient, conversationId: string): Promise<HandoverConversation | undefined> {
  const { rows } = await tx.query<Omit<HandoverConversation, 'offer'>>(
    `select id, capacity_channel as channel, status, routing_state as "routingState", queue_id as "queueId", assignee_id as "assigneeId",
            load_pool as pool, load_cost as cost, offer_attempts as "offerAttempts"
       from conversations where id = $1 for update`,
    [conversationId],
  );
  if (!rows[0]) return undefined;
  const { rows: offers } = await tx.query<{ id: string; agentId: string; pool: string }>(
    `select id, agent_id as "agentId", load_pool as pool from offers where conversation_id = $1 and status = 'pending' for update`,
    [conversationId],
  );
  return { ...rows[0], offer: offers[0] };
}

/** Locks agent_load rows in ascending (agent, pool) order, so two hand-overs never deadlock. */
export async function lockLoads(tx: PoolClient, holds: (Pick<Hold, 'agentId' | 'pool'> | undefined)[]): Promise<void> {
  const keys = holds.filter((h): h is Pick<Hold, 'agentId' | 'pool'> => h !== undefined);
  if (!keys.length) return;
  await tx.query(
    `select 1 from agent_load where (agent_id, channel) in (select * from unnest($1::uuid[], $2::text[]))
      order by agent_id, channel for update`,
    [keys.map((k) => k.agentId), keys.map((k) => k.pool)],
  );
}

/**
 * Takes the conversation away from whoever has it: a pending offer is canceled (its
 * reservation released once, by the guarded offer path), the assignee's units are released
 * and their history row closed. Collects the queues that may now dispatch.
 */
export async function releaseHolder(tx: PoolClient, c: HandoverConversation, now: Date, dispatch: Set<string>): Promise<string[]> {
  const canceled: string[] = [];
  if (c.offer) {
    for (const q of await rescindConversationOffer(tx, c.id, now, 'canceled')) dispatch.add(q);
    canceled.push(c.offer.id);
  }
  if (c.assigneeId) {
    if (c.pool) await releaseActive(tx, { agentId: c.assigneeId, pool: c.pool, cost: c.cost ?? 1 });
    await tx.query(`update assignments set ended_at = $2 where conversation_id = $1 and ended_at is null`, [c.id, now]);
    for (const q of await agentQueueIds(tx, c.assigneeId)) dispatch.add(q);
  }
  return canceled;
}

export { holdFor } from './capacity.ts';
