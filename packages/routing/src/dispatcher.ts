import { appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import { rankLeastLoaded, type Candidate } from './policy.ts';

export interface DispatchResult {
  /** Another dispatcher holds this queue; the caller should try again shortly. */
  busy: boolean;
  /** Waiting conversations looked at; equal to the batch size means more may be waiting. */
  scanned: number;
  assigned: { conversationId: string; agentId: string }[];
}

interface Waiting {
  id: string;
  channel: string;
  version: number;
}

/**
 * One dispatch pass for one queue: waiting conversations in priority-then-age order, each to
 * the best-ranked online member with free capacity on its channel. Safe with several routers:
 * a per-queue advisory lock serialises passes, SKIP LOCKED skips rows another transaction
 * holds, capacity is claimed by one conditional UPDATE, and the conversation update is guarded
 * by its version. Work that finds no agent stays queued until a trigger (capacity freed, agent
 * online, sweeper) runs another pass.
 */
export async function dispatchQueue(pool: Pool, queueId: string, options: { batch?: number } = {}): Promise<DispatchResult> {
  return withTransaction(pool, async (tx) => {
    const { rows: lock } = await tx.query<{ ok: boolean }>(`select pg_try_advisory_xact_lock(hashtextextended($1, 0)) as ok`, [`dispatch:${queueId}`]);
    if (!lock[0]!.ok) return { busy: true, scanned: 0, assigned: [] };

    const { rows: waiting } = await tx.query<Waiting>(
      `select id, channel, version from conversations
        where queue_id = $1 and routing_state = 'queued'
        order by priority desc, enqueued_at asc, id
        limit $2 for update skip locked`,
      [queueId, options.batch ?? 100],
    );
    const assigned: DispatchResult['assigned'] = [];
    for (const conversation of waiting) {
      const agentId = await assignOne(tx, queueId, conversation);
      if (agentId) assigned.push({ conversationId: conversation.id, agentId });
    }
    return { busy: false, scanned: waiting.length, assigned };
  });
}

async function candidates(tx: PoolClient, queueId: string, channel: string): Promise<Candidate[]> {
  const { rows } = await tx.query<Candidate>(
    `select l.agent_id as "agentId", l.active, l.capacity, l.last_assigned_at as "lastAssignedAt"
       from queue_members m
       join agent_presence p on p.agent_id = m.agent_id and p.status = 'online'
       join agent_load l on l.agent_id = m.agent_id and l.channel = $2
      where m.queue_id = $1 and l.active < l.capacity`,
    [queueId, channel],
  );
  return rows;
}

async function assignOne(tx: PoolClient, queueId: string, conversation: Waiting): Promise<string | undefined> {
  for (const candidate of rankLeastLoaded(await candidates(tx, queueId, conversation.channel))) {
    const claim = await tx.query(
      `update agent_load set active = active + 1, last_assigned_at = now()
        where agent_id = $1 and channel = $2 and active < capacity returning 1`,
      [candidate.agentId, conversation.channel],
    );
    if (!claim.rowCount) continue; // filled up meanwhile by another queue's pass
    const updated = await tx.query(
      `update conversations set routing_state = 'assigned', assignee_id = $2, version = version + 1, updated_at = now()
        where id = $1 and routing_state = 'queued' and version = $3`,
      [conversation.id, candidate.agentId, conversation.version],
    );
    if (!updated.rowCount) {
      await tx.query(`update agent_load set active = active - 1 where agent_id = $1 and channel = $2 and active > 0`, [candidate.agentId, conversation.channel]);
      return undefined;
    }
    await tx.query(`insert into assignments(conversation_id, agent_id, reason) values ($1, $2, 'dispatch')`, [conversation.id, candidate.agentId]);
    await appendEvent(tx, {
      type: 'conversation.assigned',
      conversationId: conversation.id,
      agentId: candidate.agentId,
      payload: { queueId, strategy: 'least_load', load: { active: candidate.active, capacity: candidate.capacity } },
    });
    return candidate.agentId;
  }
  return undefined;
}
