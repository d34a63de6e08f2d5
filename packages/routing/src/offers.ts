import { appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import { activateReserved, releaseReserved } from './capacity.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { advanceStep, MAX_OVERFLOW_DEPTH, overflow } from './escalation.ts';
import { loadQueueConfig, nextStep } from './queue-config.ts';

export type OfferEnd = 'rejected' | 'expired' | 'rescinded' | 'canceled';

interface OfferRow {
  id: string;
  conversationId: string;
  agentId: string;
  queueId: string | null;
  pool: string;
  cost: number;
  status: string;
  expiresAt: Date;
}

export type AcceptResult = { ok: true; conversationId: string } | { ok: false; reason: 'not_found' | 'not_pending' | 'expired' };

/** What a state change needs the caller to do after commit. */
export interface FollowUp {
  /** Queues to dispatch (the conversation is back in line, or capacity freed). */
  dispatch: string[];
}

async function lockOffer(tx: PoolClient, offerId: string): Promise<OfferRow | undefined> {
  // lock order everywhere: conversation row first, then the offer, then agent_load rows
  const { rows: ids } = await tx.query<{ conversationId: string }>(`select conversation_id as "conversationId" from offers where id = $1`, [offerId]);
  if (!ids[0]) return undefined;
  await tx.query(`select 1 from conversations where id = $1 for update`, [ids[0].conversationId]);
  const { rows } = await tx.query<OfferRow>(
    `select id, conversation_id as "conversationId", agent_id as "agentId", queue_id as "queueId", load_pool as pool,
            load_cost as cost, status, expires_at as "expiresAt"
       from offers where id = $1 for update`,
    [offerId],
  );
  return rows[0];
}

/**
 * Accepts an offer: only the offered agent, only while pending and before it expires. Two
 * accepts of one offer: the guarded update lets exactly one through.
 */
export async function acceptOffer(pool: Pool, input: { offerId: string; agentId: string; clock: Clock }): Promise<AcceptResult> {
  const now = input.clock.now();
  return withTransaction(pool, async (tx) => {
    const offer = await lockOffer(tx, input.offerId);
    if (!offer || offer.agentId !== input.agentId) return { ok: false, reason: 'not_found' };
    if (offer.status !== 'pending') return { ok: false, reason: 'not_pending' };
    if (offer.expiresAt.getTime() <= now.getTime()) return { ok: false, reason: 'expired' };
    await tx.query(`update offers set status = 'accepted', decided_at = $2 where id = $1`, [offer.id, now]);
    await activateReserved(tx, { agentId: offer.agentId, pool: offer.pool, cost: offer.cost }, now);
    const { rowCount } = await tx.query(
      `update conversations set routing_state = 'assigned', assignee_id = $2, load_pool = $3, load_cost = $4,
              version = version + 1, updated_at = $5
        where id = $1 and routing_state = 'offered'`,
      [offer.conversationId, offer.agentId, offer.pool, offer.cost, now],
    );
    if (!rowCount) throw new Error(`offer ${offer.id} was pending but its conversation was not offered`);
    await tx.query(`update agent_presence set consecutive_misses = 0 where agent_id = $1`, [offer.agentId]);
    await tx.query(`insert into assignments(conversation_id, agent_id, started_at, reason) values ($1, $2, $3, 'offer_accepted')`, [offer.conversationId, offer.agentId, now]);
    await logDecision(tx, offer.conversationId, 'accepted', now, { offerId: offer.id, agentId: offer.agentId });
    await appendEvent(tx, { type: 'offer.accepted', conversationId: offer.conversationId, agentId: offer.agentId, payload: { offerId: offer.id } });
    await appendEvent(tx, { type: 'conversation.assigned', conversationId: offer.conversationId, agentId: offer.agentId, payload: { queueId: offer.queueId, offerId: offer.id } });
    return { ok: true, conversationId: offer.conversationId };
  });
}

/**
 * Ends a pending offer without acceptance. Guarded on `status = 'pending'`, so a duplicated
 * timer, a late reject or a second rescind is a no-op: capacity is released exactly once.
 * Reject and expiry exclude the agent for this conversation and count as a miss; enough
 * misses in a row set the agent away. The conversation goes back in line keeping its place.
 */
export async function endOffer(tx: PoolClient, offerId: string, end: OfferEnd, now: Date, options: { agentId?: string; requeue?: boolean } = {}): Promise<FollowUp> {
  const offer = await lockOffer(tx, offerId);
  const none: FollowUp = { dispatch: [] };
  if (!offer || offer.status !== 'pending') return none;
  if (options.agentId && offer.agentId !== options.agentId) return none;
  await tx.query(`update offers set status = $2, decided_at = $3 where id = $1`, [offer.id, end, now]);
  await releaseReserved(tx, { agentId: offer.agentId, pool: offer.pool, cost: offer.cost });
  await appendEvent(tx, { type: `offer.${end}`, conversationId: offer.conversationId, agentId: offer.agentId, payload: { offerId: offer.id } });
  const dispatch = new Set<string>();
  if (offer.queueId) dispatch.add(offer.queueId);

  if (end === 'rejected' || end === 'expired') {
    await tx.query(`insert into offer_exclusions(conversation_id, agent_id, created_at) values ($1, $2, $3) on conflict do nothing`, [offer.conversationId, offer.agentId, now]);
    for (const q of await countMiss(tx, offer.agentId, offer.queueId, now)) dispatch.add(q);
  }
  if (options.requeue !== false) {
    const { rowCount } = await tx.query(
      `update conversations set routing_state = 'queued', version = version + 1, updated_at = $2 where id = $1 and routing_state = 'offered'`,
      [offer.conversationId, now],
    );
    if (rowCount && offer.queueId) {
      const moved = await afterFailedAttempt(tx, offer.conversationId, offer.queueId, now);
      if (moved) dispatch.add(moved);
    }
  }
  await logDecision(tx, offer.conversationId, `offer_${end}`, now, { offerId: offer.id, agentId: offer.agentId });
  return { dispatch: [...dispatch] };
}

/** N misses in a row set the agent away (and rescind their other offers). */
async function countMiss(tx: PoolClient, agentId: string, queueId: string | null, now: Date): Promise<string[]> {
  const { rows } = await tx.query<{ misses: number; status: string }>(
    `update agent_presence set consecutive_misses = consecutive_misses + 1 where agent_id = $1 returning consecutive_misses as misses, status`,
    [agentId],
  );
  const maxMisses = queueId ? ((await loadQueueConfig(tx, queueId))?.maxMisses ?? 3) : 3;
  if (!rows[0] || rows[0].misses < maxMisses || rows[0].status !== 'online') return [];
  await tx.query(`update agent_presence set status = 'away', status_since = $2 where agent_id = $1`, [agentId, now]);
  await appendEvent(tx, { type: 'agent.status', agentId, payload: { status: 'away', reason: 'missed_offers', misses: rows[0].misses } });
  return rescindAgentOffers(tx, agentId, now);
}

/** Rescinds every pending offer of an agent (offline, away, removed from the queue). */
export async function rescindAgentOffers(tx: PoolClient, agentId: string, now: Date, queueId?: string): Promise<string[]> {
  const { rows } = await tx.query<{ id: string }>(
    `select id from offers where agent_id = $1 and status = 'pending' and ($2::uuid is null or queue_id = $2) order by id`,
    [agentId, queueId ?? null],
  );
  const dispatch = new Set<string>();
  for (const o of rows) for (const q of (await endOffer(tx, o.id, 'rescinded', now)).dispatch) dispatch.add(q);
  return [...dispatch];
}

/** After max_offer_attempts: the next step, else the overflow queue, else keep trying; always alert. */
async function afterFailedAttempt(tx: PoolClient, conversationId: string, queueId: string, now: Date): Promise<string | undefined> {
  const queue = await loadQueueConfig(tx, queueId);
  const { rows } = await tx.query<{ attempts: number; stepNo: number; depth: number }>(
    `select offer_attempts as attempts, step_no as "stepNo", overflow_depth as depth from conversations where id = $1`,
    [conversationId],
  );
  const c = rows[0];
  if (!queue || !c || c.attempts < queue.maxOfferAttempts) return undefined;
  const next = nextStep(queue, c.stepNo);
  await appendEvent(tx, { type: 'routing.alert', conversationId, payload: { reason: 'max_offer_attempts', attempts: c.attempts, queueId, stepNo: c.stepNo } });
  if (next) {
    await advanceStep(tx, conversationId, next.stepNo, now, 'max_offer_attempts');
    return undefined;
  }
  if (queue.overflowQueueId && c.depth < MAX_OVERFLOW_DEPTH) {
    await overflow(tx, conversationId, queueId, queue.overflowQueueId, now, 'max_offer_attempts');
    return queue.overflowQueueId;
  }
  // nowhere else to go: start a fresh round of attempts with the exclusions lifted
  await tx.query(`update conversations set offer_attempts = 0 where id = $1`, [conversationId]);
  await tx.query(`delete from offer_exclusions where conversation_id = $1`, [conversationId]);
  return undefined;
}

export async function rejectOffer(pool: Pool, input: { offerId: string; agentId: string; clock: Clock }): Promise<{ ok: boolean; followUp: FollowUp }> {
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ status: string; agentId: string }>(`select status, agent_id as "agentId" from offers where id = $1`, [input.offerId]);
    if (!rows[0] || rows[0].agentId !== input.agentId || rows[0].status !== 'pending') return { ok: false, followUp: { dispatch: [] } };
    return { ok: true, followUp: await endOffer(tx, input.offerId, 'rejected', input.clock.now(), { agentId: input.agentId }) };
  });
}

/** The offer timer fired: expire the offer if it is still pending and due (else a no-op). */
export async function expireOffer(pool: Pool, offerId: string, clock: Clock): Promise<FollowUp> {
  const now = clock.now();
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ due: boolean }>(`select expires_at <= $2 as due from offers where id = $1 and status = 'pending'`, [offerId, now]);
    if (!rows[0]?.due) return { dispatch: [] };
    return endOffer(tx, offerId, 'expired', now);
  });
}
