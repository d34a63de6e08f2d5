import { withTransaction, type Pool } from '@switchboard/db';
import type { Clock } from './clock.ts';
import type { Presence } from './policy.ts';
import { changePresence } from './presence.ts';

/** How long an agent client may stay silent before it is taken offline (ROUTING.md §1.4). */
export const HEARTBEAT_GRACE_S = 60;

/**
 * Records a sign of life from an agent's client. Heartbeats are opt-in per session: an agent
 * is timed out only once their client has sent one since going online, so API clients and
 * scripts that never heartbeat keep their presence until they change it. An offline agent's
 * heartbeat is not recorded (it does not bring them back); the returned status tells the
 * client to set its presence again.
 */
export async function heartbeat(pool: Pool, agentId: string, clock: Clock): Promise<{ status: Presence } | undefined> {
  const { rows } = await pool.query<{ status: Presence }>(
    `update agent_presence set last_heartbeat_at = case when status = 'offline' then last_heartbeat_at else $2 end
      where agent_id = $1 returning status`,
    [agentId, clock.now()],
  );
  return rows[0];
}

/** Thrown inside the transaction to undo a timeout that a late heartbeat overtook. */
class HeartbeatArrived extends Error {}

/**
 * Sweeper step: agents whose client has been silent longer than `graceS` go offline, which
 * rescinds their pending offers at once and starts the offline policy's grace for the
 * conversations they hold. A heartbeat landing meanwhile wins (the change is rolled back).
 * Returns the queues to dispatch.
 */
export async function expireHeartbeats(pool: Pool, clock: Clock, graceS = HEARTBEAT_GRACE_S): Promise<string[]> {
  const now = clock.now();
  const cutoff = new Date(now.getTime() - graceS * 1000);
  const { rows } = await pool.query<{ agentId: string }>(
    `select agent_id as "agentId" from agent_presence
      where status <> 'offline' and last_heartbeat_at is not null and last_heartbeat_at <= $1
      order by agent_id limit 1000`,
    [cutoff],
  );
  const dispatch = new Set<string>();
  for (const { agentId } of rows) {
    try {
      const change = await withTransaction(pool, async (tx) => {
        const result = await changePresence(tx, { agentId, status: 'offline', now, reason: 'heartbeat_lost', onlyIfHeartbeatBefore: cutoff });
        if (!result) throw new HeartbeatArrived();
        return result;
      });
      for (const q of change.dispatch) dispatch.add(q);
    } catch (error) {
      if (!(error instanceof HeartbeatArrived)) throw error;
    }
  }
  return [...dispatch];
}
