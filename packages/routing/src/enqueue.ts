import type { InboundEvent } from '@switchboard/contracts';
import { appendEvent, type Queryable } from '@switchboard/db';
import { writeQueueAutoReply, type AutoReply } from './auto-reply.ts';
import { isOpen, nextOpening } from './business-hours.ts';
import { classifyConversation } from './classify.ts';
import { logDecision } from './decisions.ts';
import { MAX_OVERFLOW_DEPTH } from './escalation.ts';
import { loadSlaContext, startConversationSla } from './sla.ts';

export interface EnqueueOutcome {
  /** `unrouted`: no queue applies, or every queue it could go to is full (it stays open, unqueued). */
  state: 'queued' | 'unrouted';
  queueId: string | null;
  ruleId: string | null;
  /** Written in this transaction; enqueue to `outbound-<channel>` after commit. */
  outbound: AutoReply[];
  /** Queues to dispatch after commit. */
  dispatch: string[];
}

interface QueueLimit {
  id: string;
  maxQueueSize: number | null;
  overflowQueueId: string | null;
}

/**
 * The queue and its overflow chain (at most MAX_OVERFLOW_DEPTH hops, never a loop). The
 * capped ones are locked in id order, so two inbound transactions counting the same queues
 * never deadlock, and a burst cannot push a queue past `max_queue_size`.
 */
async function lockChain(tx: Queryable, queueId: string): Promise<QueueLimit[]> {
  const chain: QueueLimit[] = [];
  let next: string | null = queueId;
  while (next && chain.length <= MAX_OVERFLOW_DEPTH && !chain.some((q) => q.id === next)) {
    const { rows }: { rows: QueueLimit[] } = await tx.query(
      `select id, max_queue_size as "maxQueueSize", overflow_queue_id as "overflowQueueId" from queues where id = $1`,
      [next],
    );
    if (!rows[0]) break;
    chain.push(rows[0]);
    next = rows[0].overflowQueueId;
  }
  for (const q of chain.filter((c) => c.maxQueueSize !== null).sort((a, b) => (a.id < b.id ? -1 : 1))) {
    await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`enqueue:${q.id}`]);
  }
  return chain;
}

/** The first queue of the chain with room, and how many overflow hops that took. */
async function admit(tx: Queryable, conversationId: string, chain: QueueLimit[]): Promise<{ queueId: string; depth: number } | undefined> {
  for (const [depth, q] of chain.entries()) {
    if (q.maxQueueSize === null) return { queueId: q.id, depth };
    // waiting = not yet with an agent: queued, or offered and not accepted yet
    const { rows } = await tx.query<{ n: number }>(
      `select count(*)::int as n from conversations where queue_id = $1 and routing_state in ('queued', 'offered') and id <> $2`,
      [q.id, conversationId],
    );
    if (rows[0]!.n < q.maxQueueSize) return { queueId: q.id, depth };
    if (depth === chain.length - 1 || !q.overflowQueueId) return undefined;
  }
  return undefined;
}

async function inboundMessageId(tx: Queryable, conversationId: string, event: InboundEvent): Promise<string> {
  const { rows } = await tx.query<{ id: string }>(`select id from messages where conversation_id = $1 and external_id = $2`, [conversationId, event.externalMessageId]);
  if (!rows[0]) throw new Error(`inbound message ${event.externalMessageId} is not stored in conversation ${conversationId}`);
  return rows[0].id;
}

/**
 * Puts a new or reopened conversation in line, inside the inbound transaction: the first
 * matching routing rule (else the inbox's default queue) decides queue, priority, skills and
 * VIP age adjustment. A queue at `max_queue_size` overflows to its overflow queue, else the
 * conversation is refused: it stays open but `unrouted` (visible to supervisors, retried on
 * the customer's next message) and the customer gets the queue-full auto-reply (scenario 23).
 * Outside business hours it still queues, with the after-hours auto-reply, and the FRT clock
 * waits for opening (scenario 41). SLA timers start from the queue's policy.
 */
export async function enqueueConversation(
  tx: Queryable,
  input: { conversationId: string; event: InboundEvent; reopened: boolean; now: Date; messageId?: string },
): Promise<EnqueueOutcome> {
  const { conversationId, now } = input;
  await tx.query(`select 1 from conversations where id = $1 for update`, [conversationId]);
  const messageId = input.messageId ?? (await inboundMessageId(tx, conversationId, input.event));
  await tx.query(
    `update conversations set first_inbound_at = coalesce(first_inbound_at, $2), last_inbound_at = $2 where id = $1`,
    [conversationId, now],
  );
  const classification = await classifyConversation(tx, conversationId, input.event);
  const outcome: EnqueueOutcome = { state: 'unrouted', queueId: null, ruleId: classification?.ruleId ?? null, outbound: [], dispatch: [] };
  if (!classification) {
    await unroute(tx, conversationId, now);
    await logDecision(tx, conversationId, 'unrouted', now, { reason: 'no_queue' });
    return outcome;
  }

  const chain = await lockChain(tx, classification.queueId);
  const admitted = await admit(tx, conversationId, chain);
  if (!admitted) {
    await unroute(tx, conversationId, now);
    const full = chain.map((q) => q.id);
    await appendEvent(tx, { type: 'queue.full', conversationId, payload: { queueId: classification.queueId, action: 'refused', fullQueueIds: full } });
    await logDecision(tx, conversationId, 'queue_full', now, { queueId: classification.queueId, action: 'refused', fullQueueIds: full });
    const reply = await writeQueueAutoReply(tx, { conversationId, queueId: classification.queueId, kind: 'queue_full', key: messageId });
    if (reply) outcome.outbound.push(reply);
    return outcome;
  }

  const { queueId, depth } = admitted;
  await tx.query(
    `update conversations set queue_id = $2, routing_state = 'queued', assignee_id = null, priority = $3, required_skills = $4,
            age_adjust_s = $5, step_no = 1, step_started_at = null, offer_attempts = 0, overflow_depth = $6,
            enqueued_at = $7, load_pool = null, load_cost = null, units_released_at = null, version = version + 1, updated_at = $7
      where id = $1`,
    [conversationId, queueId, classification.priority, JSON.stringify(classification.requiredSkills), classification.ageAdjustS, depth, now],
  );
  // a new routing period: whoever declined last time may take it now
  await tx.query(`delete from offer_exclusions where conversation_id = $1`, [conversationId]);
  if (depth > 0) {
    await appendEvent(tx, { type: 'queue.full', conversationId, payload: { queueId: classification.queueId, action: 'overflow', overflowedTo: queueId } });
    await appendEvent(tx, { type: 'conversation.overflowed', conversationId, payload: { from: classification.queueId, to: queueId, reason: 'queue_full' } });
  }
  await logDecision(tx, conversationId, 'classified', now, {
    ruleId: classification.ruleId, queueId, priority: classification.priority, requiredSkills: classification.requiredSkills,
    ageAdjustS: classification.ageAdjustS, ...(depth > 0 ? { overflowedFrom: classification.queueId, reason: 'queue_full' } : {}),
  });

  const { calendar } = await loadSlaContext(tx, queueId);
  if (calendar && !isOpen(now, calendar)) {
    await logDecision(tx, conversationId, 'after_hours', now, { queueId, opensAt: nextOpening(now, calendar) ?? null });
    const reply = await writeQueueAutoReply(tx, { conversationId, queueId, kind: 'after_hours', key: messageId });
    if (reply) outcome.outbound.push(reply);
  }
  await startConversationSla(tx, { conversationId, queueId, messageId, reopened: input.reopened, now });
  return { ...outcome, state: 'queued', queueId, dispatch: [queueId] };
}

async function unroute(tx: Queryable, conversationId: string, now: Date): Promise<void> {
  await tx.query(
    `update conversations set queue_id = null, routing_state = 'unrouted', assignee_id = null, enqueued_at = null,
            version = version + 1, updated_at = $2
      where id = $1`,
    [conversationId, now],
  );
}
