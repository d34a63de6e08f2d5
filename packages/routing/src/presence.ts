import { agentQueueIds, appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { rescindAgentOffers } from './offers.ts';
import type { Presence } from './policy.ts';

export interface PresenceChange {
  /** Queues to dispatch: those rescinded work returns to, and every queue of an agent now available. */
  dispatch: string[];
  previous: Presence | undefined;
}

/**
 * Changes an agent's presence inside the caller's transaction. Going offline or away rescinds
 * their pending offers at once (the conversations go back in line); going offline marks the
 * conversations they hold, whose queue's offline policy applies once its grace has passed;
 * any other status clears that mark and coming online resets the miss counter.
 *
 * Lock order is the engine's: the conversations involved first (in id order), then offers,
 * then agent_load, and the agent_presence row last, as an offer expiry counting a miss does.
 * `onlyIfHeartbeatBefore` makes the change conditional on the heartbeat still being that old
 * (the caller rolls back when it returns undefined: a heartbeat arrived meanwhile).
 */
export async function changePresence(
  tx: PoolClient,
  input: { agentId: string; status: Presence; now: Date; reason?: string; onlyIfHeartbeatBefore?: Date },
): Promise<PresenceChange | undefined> {
  const { agentId, status, now } = input;
  const offline = status === 'offline';
  await tx.query(
    `select id from conversations
      where id in (select conversation_id from offers where agent_id = $1 and status = 'pending')
         or (assignee_id = $1 and routing_state = 'assigned' and ($2 or held_offline_since is not null))
      order by id for update`,
    [agentId, offline],
  );
  await tx.query(
    offline
      ? `update conversations set held_offline_since = coalesce(held_offline_since, $2) where assignee_id = $1 and routing_state = 'assigned'`
      : `update conversations set held_offline_since = null where assignee_id = $1 and held_offline_since is not null`,
    offline ? [agentId, now] : [agentId],
  );
  const dispatch = new Set<string>();
  if (offline || status === 'away') for (const q of await rescindAgentOffers(tx, agentId, now)) dispatch.add(q);

  const { rows } = await tx.query<{ previous: Presence; stale: boolean }>(
    `select status as previous, coalesce(last_heartbeat_at <= $2 and status <> 'offline', false) as stale
       from agent_presence where agent_id = $1 for update`,
    [agentId, input.onlyIfHeartbeatBefore ?? null],
  );
  const previous = rows[0]?.previous;
  if (previous === undefined) return { dispatch: [], previous };
  if (input.onlyIfHeartbeatBefore && !rows[0]!.stale) return undefined;
  // a dispatcher that held this row's share lock has committed by now: its offer is visible
  // to this statement, so rescind again (see the presence re-check in dispatch-outcome.ts)
  if (offline || status === 'away') for (const q of await rescindAgentOffers(tx, agentId, now)) dispatch.add(q);
  // a session's heartbeat tracking ends with it: clients that never send heartbeats are never
  // timed out, and any presence change of a heartbeating client counts as a sign of life
  await tx.query(
    `update agent_presence set status = $2,
            status_since = case when status = $2 then status_since else $3 end,
            offline_since = case when $2 = 'offline' then coalesce(offline_since, $3) else null end,
            consecutive_misses = case when $2 = 'online' then 0 else consecutive_misses end,
            last_heartbeat_at = case when $2 = 'offline' or last_heartbeat_at is null then null else $3 end
      where agent_id = $1`,
    [agentId, status, now],
  );
  if (status === 'online') {
    for (const q of await agentQueueIds(tx, agentId)) dispatch.add(q);
  }
  if (previous !== status) {
    await appendEvent(tx, { type: 'agent.status', agentId, payload: { status, previous, ...(input.reason ? { reason: input.reason } : {}) } });
  }
  return { dispatch: [...dispatch], previous };
}

/** Changes an agent's presence in its own transaction; see `changePresence`. */
export async function setAgentPresence(pool: Pool, input: { agentId: string; status: Presence; clock: Clock }): Promise<PresenceChange> {
  const now = input.clock.now();
  const change = await withTransaction(pool, (tx) => changePresence(tx, { agentId: input.agentId, status: input.status, now }));
  return change ?? { dispatch: [], previous: undefined };
}

/**
 * Removes an agent from a queue. Their pending offers from that queue are rescinded (the
 * conversations go back in line there); conversations they already hold stay with them.
 * Returns the queues to dispatch. A pass that read the membership before this commit may
 * still offer them one conversation; that offer ends by its timeout like any other.
 */
export async function removeQueueMember(pool: Pool, queueId: string, agentId: string, clock: Clock): Promise<{ removed: boolean; dispatch: string[] }> {
  const now = clock.now();
  return withTransaction(pool, async (tx) => {
    await tx.query(
      `select id from conversations where id in (select conversation_id from offers where agent_id = $1 and queue_id = $2 and status = 'pending')
        order by id for update`,
      [agentId, queueId],
    );
    const { rowCount } = await tx.query(`delete from queue_members where queue_id = $1 and agent_id = $2`, [queueId, agentId]);
    const dispatch = await rescindAgentOffers(tx, agentId, now, queueId);
    return { removed: rowCount === 1, dispatch };
  });
}
