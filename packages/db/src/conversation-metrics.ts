import type { Queryable } from './pool.ts';

/** A stored message as the metrics see it (docs/reports.md). */
export interface TimelineMessage {
  direction: 'in' | 'out';
  /** Null for auto-replies and other system messages. */
  authorAgentId: string | null;
  isPrivate: boolean;
  status: string;
  /** When we stored it (router or API), never the platform's clock. */
  createdAt: Date;
}

/** A row of `assignments`. */
export interface TimelineAssignment {
  agentId: string;
  startedAt: Date;
  endedAt: Date | null;
  reason: string;
}

/** What is stored about one conversation, in stored order. */
export interface ConversationTimeline {
  createdAt: Date;
  /** Every resolve instant, oldest first (kept in `conversation_metrics`: reopening clears `resolved_at`). */
  resolutions: Date[];
  /** Ordered by created_at, then seq. */
  messages: TimelineMessage[];
  assignments: TimelineAssignment[];
}

/** Per-conversation metrics in seconds; `*BusinessS` are null when the queue has no business hours. */
export interface ConversationMetrics {
  customerMessages: number;
  agentReplies: number;
  reassignments: number;
  lastAgentId: string | null;
  firstResponseS: number | null;
  firstResponseBusinessS: number | null;
  nextResponsesS: number[];
  nextResponsesBusinessS: number[] | null;
  firstResolutionS: number | null;
  firstResolutionBusinessS: number | null;
  resolutionS: number | null;
  resolutionBusinessS: number | null;
  queueWaitS: number;
  queueWaitBusinessS: number | null;
}

export interface StoredTimeline {
  conversationId: string;
  channel: string;
  inboxId: string;
  queueId: string | null;
  /** The `business_hours` row of the conversation's queue, if any. */
  businessHours: { timeZone: string; weekly: unknown; holidays: unknown } | null;
  timeline: ConversationTimeline;
}

interface Row {
  channel: string;
  inboxId: string;
  queueId: string | null;
  createdAt: Date;
  timeZone: string | null;
  weekly: unknown;
  holidays: unknown;
  resolutions: Date[];
  messages: (Omit<TimelineMessage, 'createdAt'> & { createdAt: number })[];
  assignments: (Omit<TimelineAssignment, 'startedAt' | 'endedAt'> & { startedAt: number; endedAt: number | null })[];
}

/**
 * One conversation's messages, assignments, recorded resolutions and queue calendar, in one
 * query. Times travel as epoch milliseconds, not JSON timestamps: no microseconds or offsets to parse.
 */
export async function loadConversationTimeline(db: Queryable, conversationId: string): Promise<StoredTimeline | undefined> {
  const { rows } = await db.query<Row>(
    `select c.channel, c.inbox_id as "inboxId", c.queue_id as "queueId", c.created_at as "createdAt",
            b.time_zone as "timeZone", b.weekly, b.holidays, coalesce(cm.resolutions, '{}') as resolutions,
            coalesce((select json_agg(json_build_object('direction', m.direction, 'authorAgentId', m.author_agent_id, 'isPrivate', m.is_private,
                                                        'status', m.status, 'createdAt', (extract(epoch from m.created_at) * 1000)::float8) order by m.created_at, m.seq)
                        from messages m where m.conversation_id = c.id), '[]') as messages,
            coalesce((select json_agg(json_build_object('agentId', a.agent_id, 'startedAt', (extract(epoch from a.started_at) * 1000)::float8, 'endedAt', (extract(epoch from a.ended_at) * 1000)::float8,
                                                        'reason', a.reason) order by a.started_at, a.id)
                        from assignments a where a.conversation_id = c.id), '[]') as assignments
       from conversations c
       left join queues q on q.id = c.queue_id
       left join business_hours b on b.id = q.business_hours_id
       left join conversation_metrics cm on cm.conversation_id = c.id
      where c.id = $1`,
    [conversationId],
  );
  const row = rows[0];
  if (!row) return undefined;
  return {
    conversationId,
    channel: row.channel,
    inboxId: row.inboxId,
    queueId: row.queueId,
    businessHours: row.timeZone ? { timeZone: row.timeZone, weekly: row.weekly, holidays: row.holidays } : null,
    timeline: {
      createdAt: row.createdAt,
      resolutions: row.resolutions,
      messages: row.messages.map((m) => ({ ...m, createdAt: new Date(m.createdAt) })),
      assignments: row.assignments.map((a) => ({ ...a, startedAt: new Date(a.startedAt), endedAt: a.endedAt === null ? null : new Date(a.endedAt) })),
    },
  };
}

export interface ConversationMetricsRecord {
  conversationId: string;
  channel: string;
  inboxId: string;
  queueId: string | null;
  createdAt: Date;
  /** Every resolve instant, oldest first; the last is `resolved_at`. */
  resolutions: Date[];
  metrics: ConversationMetrics;
  updatedAt: Date;
}

/** Writes (or rewrites, after a reopen) the conversation's row of `conversation_metrics`. */
export async function saveConversationMetrics(db: Queryable, r: ConversationMetricsRecord): Promise<void> {
  const m = r.metrics;
  if (!r.resolutions.length || m.resolutionS === null || m.firstResolutionS === null) throw new RangeError('conversation metrics are recorded on resolution');
  await db.query(
    `insert into conversation_metrics(conversation_id, channel, inbox_id, queue_id, last_agent_id, created_at, first_resolved_at, resolved_at, resolutions,
                                      customer_messages, agent_replies, reassignments, first_response_s, first_response_business_s,
                                      next_responses_s, next_responses_business_s, first_resolution_s, first_resolution_business_s,
                                      resolution_s, resolution_business_s, queue_wait_s, queue_wait_business_s, updated_at)
     values ($1, $2, $3, $4, $5, $6, ($7::timestamptz[])[1], ($7::timestamptz[])[array_length($7::timestamptz[], 1)], $7::timestamptz[], $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)
     on conflict (conversation_id) do update set
       channel = excluded.channel, inbox_id = excluded.inbox_id, queue_id = excluded.queue_id, last_agent_id = excluded.last_agent_id,
       first_resolved_at = excluded.first_resolved_at, resolved_at = excluded.resolved_at, resolutions = excluded.resolutions,
       customer_messages = excluded.customer_messages, agent_replies = excluded.agent_replies, reassignments = excluded.reassignments,
       first_response_s = excluded.first_response_s, first_response_business_s = excluded.first_response_business_s,
       next_responses_s = excluded.next_responses_s, next_responses_business_s = excluded.next_responses_business_s,
       first_resolution_s = excluded.first_resolution_s, first_resolution_business_s = excluded.first_resolution_business_s,
       resolution_s = excluded.resolution_s, resolution_business_s = excluded.resolution_business_s,
       queue_wait_s = excluded.queue_wait_s, queue_wait_business_s = excluded.queue_wait_business_s, updated_at = excluded.updated_at`,
    [
      r.conversationId, r.channel, r.inboxId, r.queueId, m.lastAgentId, r.createdAt, r.resolutions, m.customerMessages, m.agentReplies,
      m.reassignments, m.firstResponseS, m.firstResponseBusinessS, m.nextResponsesS, m.nextResponsesBusinessS, m.firstResolutionS,
      m.firstResolutionBusinessS, m.resolutionS, m.resolutionBusinessS, m.queueWaitS, m.queueWaitBusinessS, r.updatedAt,
    ],
  );
}
