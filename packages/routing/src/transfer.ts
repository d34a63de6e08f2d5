import { appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import { claimUnits, forceUnits } from './capacity.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { holdFor, lockForHandover, lockLoads, releaseHolder, type HandoverConversation } from './lifecycle.ts';
import type { Presence } from './policy.ts';
import { loadQueueConfig } from './queue-config.ts';

/** Who asked. Automation rules only ever fill an unassigned conversation (see `ifUnassigned`). */
export interface Actor {
  agentId: string | null;
  kind: 'user' | 'automation';
}

export type HandoverRefusal = 'not_found' | 'closed' | 'already_assigned' | 'agent_unavailable' | 'channel_not_enabled' | 'over_capacity' | 'queue_not_found' | 'not_assignee';

export type HandoverResult =
  | {
      ok: true;
      outcome: 'assigned' | 'offered' | 'queued' | 'unchanged';
      conversationId: string;
      agentId: string | null;
      queueId: string | null;
      /** A forced assignment took the agent beyond capacity (an `agent.over_capacity` event was written). */
      overCapacity: boolean;
      /** The transfer offer to arm a timer for after commit (the sweeper expires it otherwise). */
      offer?: { offerId: string; expiresAt: Date };
      /** Offers canceled here: their timer jobs may be removed after commit (they are no-ops anyway). */
      canceledOfferIds: string[];
      dispatch: string[];
    }
  | { ok: false; reason: HandoverRefusal };

export interface HandoverInput {
  conversationId: string;
  by: Actor;
  /** Beyond capacity, or to an agent who is not online: allowed, and recorded. */
  force?: boolean;
  note?: string;
  /** Only if nobody holds it yet; defaults to true for automation, so it never races dispatch into two assignees. */
  ifUnassigned?: boolean;
  /** Only while this agent holds it, checked under the row lock: an agent acts on what they saw, not on what changed since. */
  expectedAssigneeId?: string;
  clock: Clock;
}

class Refused extends Error {
  readonly reason: HandoverRefusal;
  constructor(reason: HandoverRefusal) {
    super(reason);
    this.reason = reason;
  }
}

/** Runs a hand-over; a refusal rolls back everything it did and comes back as a typed result. */
async function guarded(pool: Pool, fn: (tx: PoolClient) => Promise<HandoverResult>): Promise<HandoverResult> {
  try {
    return await withTransaction(pool, fn);
  } catch (error) {
    if (error instanceof Refused) return { ok: false, reason: error.reason };
    throw error;
  }
}

async function lockOpen(tx: PoolClient, input: HandoverInput): Promise<HandoverConversation> {
  const c = await lockForHandover(tx, input.conversationId);
  if (!c) throw new Refused('not_found');
  if (c.status === 'resolved' || c.routingState === 'closed') throw new Refused('closed');
  if ((input.ifUnassigned ?? input.by.kind === 'automation') && c.routingState === 'assigned') throw new Refused('already_assigned');
  if (input.expectedAssigneeId !== undefined && c.assigneeId !== input.expectedAssigneeId) throw new Refused('not_assignee');
  return c;
}

const unchanged = (c: HandoverConversation): HandoverResult => ({
  ok: true, outcome: 'unchanged', conversationId: c.id, agentId: c.assigneeId, queueId: c.queueId, overCapacity: false, canceledOfferIds: [], dispatch: [],
});

/**
 * Gives the conversation to one agent through the same guarded path as dispatch: the row
 * lock, capacity claimed by one conditional UPDATE (or forced and recorded), the previous
 * holder's offer canceled and units released exactly once. `mode: 'offer'` reserves the units
 * and offers it to the agent instead; a reject or expiry sends it back to its queue. The new
 * holder always takes the units (a pending conversation's released units are not carried over).
 */
async function handOverToAgent(tx: PoolClient, c: HandoverConversation, agentId: string, input: HandoverInput & { reason: 'manual' | 'transfer'; mode: 'assign' | 'offer' }): Promise<HandoverResult> {
  const now = input.clock.now();
  const force = input.force ?? false;
  const { rows } = await tx.query<{ status: Presence }>(`select status from agent_presence where agent_id = $1`, [agentId]);
  const presence = rows[0]?.status ?? 'offline';
  // transfers and manual assignment may reach agents in transfer_only; queue offers may not
  if (presence !== 'online' && presence !== 'transfer_only' && !force) throw new Refused('agent_unavailable');
  const hold = await holdFor(tx, agentId, c.channel);
  if (!hold) throw new Refused('channel_not_enabled');
  await lockLoads(tx, [hold, c.offer, c.assigneeId && c.pool ? { agentId: c.assigneeId, pool: c.pool } : undefined]);
  const dispatch = new Set<string>();
  const canceledOfferIds = await releaseHolder(tx, c, now, dispatch);
  const from = { agentId: c.assigneeId, queueId: c.queueId };
  const payload = { by: input.by, reason: input.reason, force, note: input.note ?? null, previousAssigneeId: c.assigneeId };

  if (input.mode === 'offer' && c.queueId) {
    if (!(await claimUnits(tx, hold, now, false))) throw new Refused('over_capacity');
    const timeoutS = (await loadQueueConfig(tx, c.queueId))?.offerTimeoutS ?? 30;
    const expiresAt = new Date(now.getTime() + timeoutS * 1000);
    const { rows: created } = await tx.query<{ id: string }>(
      `insert into offers(conversation_id, agent_id, queue_id, load_pool, load_cost, attempt, created_at, expires_at, reason)
       values ($1, $2, $3, $4, $5, $6, $7, $8, 'transfer') returning id`,
      [c.id, agentId, c.queueId, hold.pool, hold.cost, c.offerAttempts + 1, now, expiresAt],
    );
    const offerId = created[0]!.id;
    await tx.query(
      `update conversations set routing_state = 'offered', assignee_id = null, load_pool = null, load_cost = null, held_offline_since = null,
              units_released_at = null, version = version + 1, updated_at = $2 where id = $1`,
      [c.id, now],
    );
    await logDecision(tx, c.id, 'transfer_offered', now, { ...payload, offerId, agentId });
    await appendEvent(tx, { type: 'offer.created', conversationId: c.id, agentId, payload: { offerId, expiresAt, queueId: c.queueId, transfer: true } });
    await appendEvent(tx, { type: 'conversation.transferred', conversationId: c.id, agentId, payload: { ...payload, from, to: { agentId }, offerId } });
    return { ok: true, outcome: 'offered', conversationId: c.id, agentId, queueId: c.queueId, overCapacity: false, offer: { offerId, expiresAt }, canceledOfferIds, dispatch: [...dispatch] };
  }

  let overCapacity = false;
  if (!(await claimUnits(tx, hold, now, true))) {
    if (!force) throw new Refused('over_capacity');
    overCapacity = (await forceUnits(tx, hold, now)).overCapacity;
  }
  await tx.query(
    `update conversations set routing_state = 'assigned', assignee_id = $2, load_pool = $3, load_cost = $4,
            held_offline_since = case when $5 then $6::timestamptz else null end, units_released_at = null, version = version + 1, updated_at = $6
      where id = $1`,
    [c.id, agentId, hold.pool, hold.cost, presence === 'offline', now],
  );
  await tx.query(`insert into assignments(conversation_id, agent_id, started_at, reason) values ($1, $2, $3, $4)`, [c.id, agentId, now, input.reason]);
  await logDecision(tx, c.id, input.reason === 'manual' ? 'manual_assigned' : 'transferred', now, { ...payload, agentId, overCapacity });
  if (input.reason === 'transfer') await appendEvent(tx, { type: 'conversation.transferred', conversationId: c.id, agentId, payload: { ...payload, from, to: { agentId } } });
  await appendEvent(tx, { type: 'conversation.assigned', conversationId: c.id, agentId, payload: { ...payload, queueId: c.queueId, overCapacity } });
  if (overCapacity) await appendEvent(tx, { type: 'agent.over_capacity', conversationId: c.id, agentId, payload: { pool: hold.pool, cost: hold.cost, by: input.by } });
  return { ok: true, outcome: 'assigned', conversationId: c.id, agentId, queueId: c.queueId, overCapacity, canceledOfferIds, dispatch: [...dispatch] };
}

/**
 * Manual assignment (an admin, an agent taking a chat, an automation rule). A pending offer
 * is canceled and the assignee holds the conversation at once, so the offered agent's late
 * accept gets a conflict and no timer or pass flips it back. Over capacity it is refused
 * unless `force`. Automation (or `ifUnassigned`) never overrides an assignee, so racing the
 * dispatcher yields exactly one assignee change whoever wins.
 */
export async function assignConversation(pool: Pool, input: HandoverInput & { agentId: string }): Promise<HandoverResult> {
  return guarded(pool, async (tx) => {
    const c = await lockOpen(tx, input);
    if (c.routingState === 'assigned' && c.assigneeId === input.agentId) return unchanged(c);
    return handOverToAgent(tx, c, input.agentId, { ...input, reason: 'manual', mode: 'assign' });
  });
}

/**
 * Transfers a conversation.
 * - To an agent: `transfer_only` agents are eligible; at capacity it is refused unless
 *   `force`. In an auto-accept queue (or forced) the agent gets it at once; otherwise they get
 *   an offer (ROUTING.md §1.4 `assigned → offered(target)`), and a reject or expiry sends it
 *   back to its queue, since its previous agent has let it go.
 * - To a queue: back in line there, at step 1, with its priority, any pending offer canceled
 *   (so the old queue's offer and step timers find nothing to do), its sticky agent dropped.
 *   SLA timers are not touched: the customer's clocks keep running. A conversation that was
 *   still waiting keeps its place (`enqueued_at`), as overflow does; one an agent was serving
 *   joins at the transfer time, since the wait before was spent being served (its SLA clock,
 *   not its age in line, carries its urgency).
 */
export async function transferConversation(pool: Pool, input: HandoverInput & { to: { agentId: string } | { queueId: string } }): Promise<HandoverResult> {
  return guarded(pool, async (tx) => {
    const c = await lockOpen(tx, input);
    const to = input.to;
    if ('agentId' in to) {
      if (c.routingState === 'assigned' && c.assigneeId === to.agentId) return unchanged(c);
      const autoAccept = c.queueId ? ((await loadQueueConfig(tx, c.queueId))?.autoAccept ?? true) : true;
      return handOverToAgent(tx, c, to.agentId, { ...input, reason: 'transfer', mode: autoAccept || input.force ? 'assign' : 'offer' });
    }
    return toQueue(tx, c, to.queueId, input);
  });
}

async function toQueue(tx: PoolClient, c: HandoverConversation, queueId: string, input: HandoverInput): Promise<HandoverResult> {
  const now = input.clock.now();
  const { rows } = await tx.query(`select 1 from queues where id = $1`, [queueId]);
  if (!rows[0]) throw new Refused('queue_not_found');
  if (c.queueId === queueId && c.routingState === 'queued') return unchanged(c);
  await lockLoads(tx, [c.offer, c.assigneeId && c.pool ? { agentId: c.assigneeId, pool: c.pool } : undefined]);
  const dispatch = new Set<string>([queueId]);
  const canceledOfferIds = await releaseHolder(tx, c, now, dispatch);
  await tx.query(
    `update conversations set queue_id = $2, routing_state = 'queued', assignee_id = null, load_pool = null, load_cost = null,
            sticky_agent_id = null, held_offline_since = null, units_released_at = null, step_no = 1, step_started_at = null, offer_attempts = 0, overflow_depth = 0,
            enqueued_at = case when routing_state = 'assigned' or enqueued_at is null then $3 else enqueued_at end,
            version = version + 1, updated_at = $3
      where id = $1`,
    [c.id, queueId, now],
  );
  await tx.query(`delete from offer_exclusions where conversation_id = $1`, [c.id]);
  const payload = { by: input.by, note: input.note ?? null, from: { agentId: c.assigneeId, queueId: c.queueId }, to: { queueId }, canceledOfferIds };
  await logDecision(tx, c.id, 'transferred', now, payload);
  await appendEvent(tx, { type: 'conversation.transferred', conversationId: c.id, agentId: input.by.agentId, payload });
  return { ok: true, outcome: 'queued', conversationId: c.id, agentId: null, queueId, overCapacity: false, canceledOfferIds, dispatch: [...dispatch] };
}
