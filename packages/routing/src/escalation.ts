import { appendEvent, type PoolClient } from '@switchboard/db';
import { logDecision } from './decisions.ts';

/** Overflow chains stop here (A→B→C→A stops at depth 3, never loops; Rocket.Chat uses 3). */
export const MAX_OVERFLOW_DEPTH = 3;

/**
 * Moves a waiting conversation to a later step (pool widened or skills relaxed). The step's
 * clock is left unset: the next dispatch pass starts it and arms its timer after commit, so a
 * step advanced by the sweeper or by max attempts gets a timer like any other.
 */
export async function advanceStep(tx: PoolClient, conversationId: string, stepNo: number, now: Date, reason: string): Promise<void> {
  await tx.query(
    `update conversations set step_no = $2, step_started_at = null, offer_attempts = 0, version = version + 1, updated_at = $3 where id = $1`,
    [conversationId, stepNo, now],
  );
  await logDecision(tx, conversationId, 'step_advanced', now, { stepNo, reason });
  await appendEvent(tx, { type: 'conversation.step_advanced', conversationId, payload: { stepNo, reason } });
}

/** Moves a waiting conversation to another queue, keeping its place in line (enqueued_at). */
export async function overflow(tx: PoolClient, conversationId: string, from: string, to: string, now: Date, reason: string): Promise<void> {
  const { rows } = await tx.query<{ depth: number }>(
    `update conversations set queue_id = $2, step_no = 1, step_started_at = null, offer_attempts = 0,
            overflow_depth = overflow_depth + 1, version = version + 1, updated_at = $3
      where id = $1 returning overflow_depth as depth`,
    [conversationId, to, now],
  );
  await tx.query(`delete from offer_exclusions where conversation_id = $1`, [conversationId]);
  await logDecision(tx, conversationId, 'overflowed', now, { from, to, reason, depth: rows[0]?.depth });
  await appendEvent(tx, { type: 'conversation.overflowed', conversationId, payload: { from, to, reason, depth: rows[0]?.depth } });
}
