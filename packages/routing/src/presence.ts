import { appendEvent, withTransaction, type Pool } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { rescindAgentOffers } from './offers.ts';
import type { Presence } from './policy.ts';

/**
 * Changes an agent's presence. Going offline or away rescinds their pending offers at once
 * (the conversations go back in line); going offline starts the grace period after which
 * held conversations follow each queue's offline policy; coming online resets the miss
 * counter. Returns the queues to dispatch: those the rescinded work returns to, and, when
 * the agent is now available, every queue they serve.
 */
export async function setAgentPresence(pool: Pool, input: { agentId: string; status: Presence; clock: Clock }): Promise<{ dispatch: string[]; previous: Presence | undefined }> {
  const now = input.clock.now();
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ previous: Presence }>(
      `select status as previous from agent_presence where agent_id = $1 for update`,
      [input.agentId],
    );
    const previous = rows[0]?.previous;
    if (previous === undefined) return { dispatch: [], previous };
    await tx.query(
      `update agent_presence set status = $2,
              status_since = case when status = $2 then status_since else $3 end,
              offline_since = case when $2 = 'offline' then coalesce(offline_since, $3) else null end,
              consecutive_misses = case when $2 = 'online' then 0 else consecutive_misses end,
              last_heartbeat_at = case when $2 = 'offline' then last_heartbeat_at else $3 end
        where agent_id = $1`,
      [input.agentId, input.status, now],
    );
    const dispatch = new Set<string>();
    if (input.status === 'offline' || input.status === 'away') {
      for (const q of await rescindAgentOffers(tx, input.agentId, now)) dispatch.add(q);
    }
    if (input.status === 'online' || input.status === 'transfer_only') {
      await tx.query(`update conversations set held_offline_since = null where assignee_id = $1 and held_offline_since is not null`, [input.agentId]);
    }
    if (input.status === 'online') {
      const { rows: qs } = await tx.query<{ id: string }>(`select queue_id as id from queue_members where agent_id = $1`, [input.agentId]);
      for (const q of qs) dispatch.add(q.id);
    }
    if (previous !== input.status) await appendEvent(tx, { type: 'agent.status', agentId: input.agentId, payload: { status: input.status, previous } });
    return { dispatch: [...dispatch], previous };
  });
}
