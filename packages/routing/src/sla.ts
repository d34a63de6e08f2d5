import type { Queryable } from '@switchboard/db';
import { calendarFromRow, type Calendar } from './business-hours.ts';
import { clockStart, slaDueAt, resumedDueAt, targetSeconds, type SlaKind, type SlaPolicy } from './sla-due.ts';

/** What the SLA of a conversation in a queue is measured against. */
export interface SlaContext {
  policy: SlaPolicy | null;
  /** The queue's business hours: FRT waits for opening; business-hours-only policies count open time. */
  calendar: Calendar | null;
}

export async function loadSlaContext(db: Queryable, queueId: string | null): Promise<SlaContext> {
  if (!queueId) return { policy: null, calendar: null };
  const { rows } = await db.query<{ policy: SlaPolicy | null; timeZone: string | null; weekly: unknown; holidays: unknown }>(
    `select case when p.id is null then null else jsonb_build_object(
              'id', p.id, 'firstResponseS', p.first_response_s, 'nextResponseS', p.next_response_s, 'resolutionS', p.resolution_s,
              'businessHoursOnly', p.business_hours_only, 'breachPriorityBoost', p.breach_priority_boost, 'pauseWhenPending', p.pause_when_pending)
            end as policy,
            b.time_zone as "timeZone", b.weekly, b.holidays
       from queues q left join sla_policies p on p.id = q.sla_policy_id left join business_hours b on b.id = q.business_hours_id
      where q.id = $1`,
    [queueId],
  );
  const row = rows[0];
  if (!row) return { policy: null, calendar: null };
  return { policy: row.policy, calendar: row.timeZone ? calendarFromRow({ timeZone: row.timeZone, weekly: row.weekly, holidays: row.holidays }) : null };
}

/**
 * Starts one timer, once: the unique (conversation, kind, anchor) makes a redelivered
 * message or a second router a no-op. Returns the due time, or undefined when the policy
 * does not measure this kind or the timer already existed.
 */
export async function startSlaTimer(
  tx: Queryable,
  ctx: SlaContext,
  input: { conversationId: string; kind: SlaKind; anchorMessageId: string | null; now: Date },
): Promise<Date | null | undefined> {
  const seconds = ctx.policy ? targetSeconds(ctx.policy, input.kind) : null;
  if (!ctx.policy || !seconds) return undefined;
  const start = clockStart(input.kind, input.now, ctx.calendar);
  const due = slaDueAt(start, seconds, ctx.calendar, ctx.policy.businessHoursOnly);
  const { rowCount } = await tx.query(
    `insert into sla_timers(conversation_id, kind, anchor_message_id, started_at, due_at) values ($1, $2, $3, $4, $5)
     on conflict (conversation_id, kind, anchor_message_id) do nothing`,
    [input.conversationId, input.kind, input.anchorMessageId, start, due],
  );
  return rowCount ? due : undefined;
}

/**
 * SLA clocks for a conversation that just entered a queue: FRT and RT for a new one; for a
 * reopened one, RT again and FRT (never answered) or NRT (answered before), anchored to the
 * message that reopened it so each period has its own timers.
 */
export async function startConversationSla(
  tx: Queryable,
  input: { conversationId: string; queueId: string; messageId: string; reopened: boolean; now: Date },
): Promise<void> {
  const ctx = await loadSlaContext(tx, input.queueId);
  if (!ctx.policy) return;
  const { rows } = await tx.query<{ answered: boolean }>(`select last_agent_reply_at is not null as answered from conversations where id = $1`, [input.conversationId]);
  const anchor = input.reopened ? input.messageId : null;
  const first: SlaKind = input.reopened && rows[0]?.answered ? 'nrt' : 'frt';
  await startSlaTimer(tx, ctx, { conversationId: input.conversationId, kind: first, anchorMessageId: anchor, now: input.now });
  await startSlaTimer(tx, ctx, { conversationId: input.conversationId, kind: 'rt', anchorMessageId: anchor, now: input.now });
}

/**
 * A customer message on a live conversation: the first one after an agent reply starts an
 * NRT timer anchored to it; while one is still waiting for its reply, later messages start
 * nothing (scenario 43).
 */
export async function onCustomerMessage(tx: Queryable, input: { conversationId: string; messageId: string; now: Date }): Promise<void> {
  const { rows } = await tx.query<{ queueId: string | null; answered: boolean; waiting: boolean }>(
    `select queue_id as "queueId", last_agent_reply_at is not null as answered,
            exists(select 1 from sla_timers t where t.conversation_id = c.id and t.kind in ('frt', 'nrt') and t.met_at is null) as waiting
       from conversations c where c.id = $1`,
    [input.conversationId],
  );
  const c = rows[0];
  if (!c?.answered || c.waiting) return;
  const ctx = await loadSlaContext(tx, c.queueId);
  await startSlaTimer(tx, ctx, { conversationId: input.conversationId, kind: 'nrt', anchorMessageId: input.messageId, now: input.now });
}

/**
 * A public agent reply (`messageId`): records first/last reply times and meets the waiting
 * FRT/NRT timers (a breached one is met late: both times are kept). Replies are never NRT
 * anchors; the next customer message is. The caller holds the conversation row.
 */
export async function onAgentReply(tx: Queryable, conversationId: string, _messageId: string, now: Date): Promise<{ met: { kind: SlaKind; late: boolean }[] }> {
  await tx.query(
    `update conversations set first_agent_reply_at = coalesce(first_agent_reply_at, $2), last_agent_reply_at = $2 where id = $1`,
    [conversationId, now],
  );
  const { rows } = await tx.query<{ kind: SlaKind; late: boolean }>(
    `update sla_timers set met_at = $2, paused_at = null
      where conversation_id = $1 and kind in ('frt', 'nrt') and met_at is null
      returning kind, breached_at is not null as late`,
    [conversationId, now],
  );
  return { met: rows };
}

/** Pending/snoozed: running timers stop counting when the policy says so. */
export async function pauseSla(tx: Queryable, conversationId: string, queueId: string | null, now: Date): Promise<number> {
  const ctx = await loadSlaContext(tx, queueId);
  if (!ctx.policy?.pauseWhenPending) return 0;
  const { rowCount } = await tx.query(
    `update sla_timers set paused_at = $2 where conversation_id = $1 and met_at is null and breached_at is null and paused_at is null`,
    [conversationId, now],
  );
  return rowCount ?? 0;
}

/** Open again: paused timers continue with the time they had left. */
export async function resumeSla(tx: Queryable, conversationId: string, queueId: string | null, now: Date): Promise<number> {
  const { rows } = await tx.query<{ id: string; startedAt: Date; pausedAt: Date; dueAt: Date | null }>(
    `select id, started_at as "startedAt", paused_at as "pausedAt", due_at as "dueAt" from sla_timers
      where conversation_id = $1 and paused_at is not null and met_at is null and breached_at is null order by id`,
    [conversationId],
  );
  if (!rows.length) return 0;
  const ctx = await loadSlaContext(tx, queueId);
  for (const t of rows) {
    const due = resumedDueAt(t, now, ctx.calendar, ctx.policy?.businessHoursOnly ?? false);
    await tx.query(`update sla_timers set paused_at = null, due_at = $2 where id = $1`, [t.id, due]);
  }
  return rows.length;
}

/**
 * Resolution meets the RT and ends the timers that were not yet due; one already overdue
 * stays for the sweeper to record as breached (resolving late does not erase a breach).
 */
export async function settleSlaOnResolve(tx: Queryable, conversationId: string, now: Date): Promise<void> {
  await tx.query(
    `update sla_timers set met_at = $2, paused_at = null
      where conversation_id = $1 and met_at is null and breached_at is null and (due_at is null or due_at > $2 or paused_at is not null)`,
    [conversationId, now],
  );
}
