import { appendEvent, type PoolClient } from '@switchboard/db';
import { claimUnits, type Hold } from './capacity.ts';
import { logDecision } from './decisions.ts';
import type { DispatchResult } from './dispatcher.ts';
import type { SkillRequirement } from './policy.ts';
import type { QueueConfig } from './queue-config.ts';

/** The waiting conversation as the pass locked it. */
export interface Waiting {
  id: string;
  channel: string;
  version: number;
  priority: number;
  enqueuedAt: Date;
  stepNo: number;
  stepStartedAt: Date | null;
  requiredSkills: SkillRequirement[];
  stickyAgentId: string | null;
  offerAttempts: number;
  overflowDepth: number;
}

/**
 * Claims the agent's units with one conditional UPDATE, then assigns (auto-accept) or offers.
 * False when the units were taken meanwhile (another queue's pass, another router): the
 * caller tries the next candidate. Conversation updates are guarded on state and version.
 */
export async function claimAndPlace(tx: PoolClient, queue: QueueConfig, c: Waiting, hold: Hold, now: Date, why: Record<string, unknown>, out: DispatchResult): Promise<boolean> {
  if (!(await claimUnits(tx, hold, now, queue.autoAccept))) return false;
  // The candidate list was read before the claim. Re-read presence under a share lock: a
  // presence change holding the row makes us wait for its commit and see the new status, and
  // one that comes after us waits for our commit and then rescinds what we created.
  const { rows: presence } = await tx.query<{ status: string }>(`select status from agent_presence where agent_id = $1 for share`, [hold.agentId]);
  if (presence[0]?.status !== 'online') throw new PresenceChangedError(hold.agentId);
  // the real wait, for metrics: a VIP's age_adjust_s changes its place in line, not its wait
  const waitedS = Math.max(0, (now.getTime() - c.enqueuedAt.getTime()) / 1000);
  if (queue.autoAccept) {
    const { rowCount } = await tx.query(
      `update conversations set routing_state = 'assigned', assignee_id = $2, load_pool = $3, load_cost = $4,
              version = version + 1, updated_at = $5
        where id = $1 and routing_state = 'queued' and version = $6`,
      [c.id, hold.agentId, hold.pool, hold.cost, now, c.version],
    );
    if (!rowCount) throw new Error(`conversation ${c.id} changed under its row lock`);
    await tx.query(`insert into assignments(conversation_id, agent_id, started_at, reason) values ($1, $2, $3, 'dispatch')`, [c.id, hold.agentId, now]);
    await logDecision(tx, c.id, 'assigned', now, why);
    await appendEvent(tx, { type: 'conversation.assigned', conversationId: c.id, agentId: hold.agentId, payload: { queueId: queue.id, strategy: queue.strategy, waitedS } });
    out.assigned.push({ conversationId: c.id, agentId: hold.agentId });
    return true;
  }
  const expiresAt = new Date(now.getTime() + queue.offerTimeoutS * 1000);
  const { rows } = await tx.query<{ id: string }>(
    `insert into offers(conversation_id, agent_id, queue_id, load_pool, load_cost, attempt, created_at, expires_at)
     values ($1, $2, $3, $4, $5, $6, $7, $8) returning id`,
    [c.id, hold.agentId, queue.id, hold.pool, hold.cost, c.offerAttempts + 1, now, expiresAt],
  );
  const offerId = rows[0]!.id;
  const { rowCount } = await tx.query(
    `update conversations set routing_state = 'offered', offer_attempts = offer_attempts + 1, version = version + 1, updated_at = $2
      where id = $1 and routing_state = 'queued' and version = $3`,
    [c.id, now, c.version],
  );
  if (!rowCount) throw new Error(`conversation ${c.id} changed under its row lock`);
  await logDecision(tx, c.id, 'offered', now, { ...why, offerId });
  await appendEvent(tx, { type: 'offer.created', conversationId: c.id, agentId: hold.agentId, payload: { offerId, expiresAt, queueId: queue.id, attempt: c.offerAttempts + 1, waitedS } });
  out.offered.push({ conversationId: c.id, agentId: hold.agentId, offerId, expiresAt });
  return true;
}

/** The agent left `online` between reading candidates and claiming: the pass retries this conversation. */
export class PresenceChangedError extends Error {
  /** Treated like a lost serialization race by the dispatcher's retry. */
  readonly code = '40001';
  constructor(agentId: string) {
    super(`agent ${agentId} changed presence during the claim`);
  }
}
