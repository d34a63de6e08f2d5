import { appendEvent, withTransaction, type Pool, type PoolClient } from '@switchboard/db';
import { writeQueueAutoReply, type AutoReply } from './auto-reply.ts';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { advanceStep, MAX_OVERFLOW_DEPTH, overflow } from './escalation.ts';
import { endOffer } from './offers.ts';
import { loadQueueConfig, nextStep, stepOf } from './queue-config.ts';
import { recordConversationMetrics } from './record-metrics.ts';

/**
 * Re-derives every timer from the database, so a lost Redis job (flushed, crashed before it
 * was added) delays routing by at most one sweep: overdue offers expire, overdue steps
 * advance, conversations past max wait are closed or overflowed. Each action is guarded and
 * idempotent, so several routers sweeping at once do each thing once.
 * Returns the queues that need a dispatch pass; `report.outbound` collects the abandoned
 * auto-replies written, for the caller to enqueue to egress after commit.
 */
export async function sweepTimers(pool: Pool, clock: Clock, report?: { outbound: AutoReply[] }): Promise<string[]> {
  const now = clock.now();
  const dispatch = new Set<string>();

  const { rows: offers } = await pool.query<{ id: string }>(`select id from offers where status = 'pending' and expires_at <= $1 order by expires_at limit 1000`, [now]);
  for (const o of offers) {
    const follow = await withTransaction(pool, async (tx) => {
      const { rows } = await tx.query(`select 1 from offers where id = $1 and status = 'pending' and expires_at <= $2`, [o.id, now]);
      return rows[0] ? endOffer(tx, o.id, 'expired', now) : { dispatch: [] };
    });
    for (const q of follow.dispatch) dispatch.add(q);
  }

  const { rows: steps } = await pool.query<{ id: string; queueId: string; stepNo: number }>(
    `select c.id, c.queue_id as "queueId", c.step_no as "stepNo" from conversations c
       join routing_steps s on s.queue_id = c.queue_id and s.step_no = c.step_no
      where c.routing_state = 'queued' and s.timeout_s is not null and c.step_started_at is not null
        and c.step_started_at + make_interval(secs => s.timeout_s) <= $1
        -- the last step's timeout has nowhere to go: not due work, or it would be found every sweep
        and exists (select 1 from routing_steps n where n.queue_id = c.queue_id and n.step_no > c.step_no)
      limit 1000`,
    [now],
  );
  for (const s of steps) if (await advanceStepIfDue(pool, s.id, s.stepNo, clock)) dispatch.add(s.queueId);

  const { rows: late } = await pool.query<{ id: string }>(
    `select c.id from conversations c join queues q on q.id = c.queue_id
      where c.routing_state = 'queued' and q.max_wait_s is not null and c.enqueued_at + make_interval(secs => q.max_wait_s) <= $1
      limit 1000`,
    [now],
  );
  for (const c of late) {
    const replies: AutoReply[] = [];
    const moved = await withTransaction(pool, (tx) => maxWaitReached(tx, c.id, now, replies));
    if (moved) dispatch.add(moved);
    report?.outbound.push(...replies);
  }
  return [...dispatch];
}

/** The step timer fired: widen the pool if the conversation still waits in that step and it is due. */
export async function advanceStepIfDue(pool: Pool, conversationId: string, stepNo: number, clock: Clock): Promise<boolean> {
  const now = clock.now();
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ queueId: string; startedAt: Date | null }>(
      `select queue_id as "queueId", step_started_at as "startedAt" from conversations
        where id = $1 and routing_state = 'queued' and step_no = $2 for update`,
      [conversationId, stepNo],
    );
    const c = rows[0];
    if (!c || !c.startedAt) return false;
    const queue = await loadQueueConfig(tx, c.queueId);
    if (!queue) return false;
    const step = stepOf(queue, stepNo);
    const next = nextStep(queue, stepNo);
    if (!next || !step.timeoutS || c.startedAt.getTime() + step.timeoutS * 1000 > now.getTime()) return false;
    await advanceStep(tx, conversationId, next.stepNo, now, 'step_timeout');
    return true;
  });
}

async function maxWaitReached(tx: PoolClient, conversationId: string, now: Date, replies: AutoReply[] = []): Promise<string | undefined> {
  const { rows } = await tx.query<{ queueId: string; depth: number; enqueuedAt: Date }>(
    `select queue_id as "queueId", overflow_depth as depth, enqueued_at as "enqueuedAt"
       from conversations where id = $1 and routing_state = 'queued' for update`,
    [conversationId],
  );
  const c = rows[0];
  if (!c) return undefined;
  const queue = await loadQueueConfig(tx, c.queueId);
  // re-checked under the lock: it may have been offered, moved or requeued since the scan
  if (!queue?.maxWaitS || c.enqueuedAt.getTime() + queue.maxWaitS * 1000 > now.getTime()) return undefined;
  if (queue.maxWaitAction === 'overflow' && queue.overflowQueueId && c.depth < MAX_OVERFLOW_DEPTH) {
    await overflow(tx, conversationId, queue.id, queue.overflowQueueId, now, 'max_wait');
    return queue.overflowQueueId;
  }
  await tx.query(
    `update conversations set status = 'resolved', routing_state = 'closed', close_reason = 'abandoned', resolved_at = $2,
            updated_at = $2, version = version + 1 where id = $1`,
    [conversationId, now],
  );
  await recordConversationMetrics(tx, conversationId, now);
  await logDecision(tx, conversationId, 'abandoned', now, { queueId: queue.id, maxWaitS: queue.maxWaitS });
  await appendEvent(tx, { type: 'conversation.abandoned', conversationId, payload: { queueId: queue.id, reason: 'max_wait' } });
  // the customer is told rather than left waiting in silence (scenario 24); keyed per wait period
  const reply = await writeQueueAutoReply(tx, { conversationId, queueId: queue.id, kind: 'abandoned', key: c.enqueuedAt.toISOString() });
  if (reply) replies.push(reply);
  return undefined;
}
