import { appendEvent } from './events.ts';
import type { Queryable } from './pool.ts';
import type { Role } from './agents.ts';

export const CONVERSATION_STATUSES = ['open', 'pending', 'snoozed', 'resolved'] as const;
export type ConversationStatus = (typeof CONVERSATION_STATUSES)[number];

export interface Conversation {
  id: string;
  inboxId: string;
  contactId: string;
  channel: string;
  threadKey: string;
  status: ConversationStatus;
  routingState: 'unrouted' | 'queued' | 'offered' | 'assigned' | 'closed';
  queueId: string | null;
  priority: number;
  enqueuedAt: Date | null;
  assigneeId: string | null;
  lastMessageAt: Date | null;
  version: number;
  createdAt: Date;
  updatedAt: Date;
  resolvedAt: Date | null;
  kind: ConversationKind;
  /** A callback request and, once called, its outcome; null for chats. */
  callback: CallbackDetails | null;
  contact: { id: string; name: string | null; email: string | null; phone: string | null };
  /** Free-form tags, lowercase, sorted (conversation-tools.ts). */
  labels: string[];
}

export const CONVERSATION_KINDS = ['chat', 'callback'] as const;
export type ConversationKind = (typeof CONVERSATION_KINDS)[number];
export const CALLBACK_OUTCOMES = ['done', 'failed'] as const;

export interface CallbackDetails {
  phone: string;
  preferredTime?: string;
  note?: string;
  requestedAt: string;
  outcome?: (typeof CALLBACK_OUTCOMES)[number];
  outcomeNote?: string;
  completedAt?: string;
  completedBy?: string | null;
}

/** Records how the call went; the caller resolves the conversation in the same transaction. */
export async function recordCallbackOutcome(
  db: Queryable,
  id: string,
  outcome: { outcome: (typeof CALLBACK_OUTCOMES)[number]; note?: string | undefined; agentId: string | null; at: Date },
): Promise<void> {
  await db.query(
    `update conversations set callback = coalesce(callback, '{}'::jsonb) || $2::jsonb, updated_at = now() where id = $1 and kind = 'callback'`,
    [id, JSON.stringify({ outcome: outcome.outcome, ...(outcome.note ? { outcomeNote: outcome.note } : {}), completedAt: outcome.at.toISOString(), completedBy: outcome.agentId })],
  );
  await appendEvent(db, { type: 'conversation.callback_completed', conversationId: id, agentId: outcome.agentId, payload: { outcome: outcome.outcome } });
}

export const SELECT_CONVERSATION = `
  select c.id, c.inbox_id as "inboxId", c.contact_id as "contactId", c.channel, c.thread_key as "threadKey",
         c.status, c.routing_state as "routingState", c.queue_id as "queueId", c.priority,
         c.enqueued_at as "enqueuedAt", c.assignee_id as "assigneeId", c.last_message_at as "lastMessageAt",
         c.version, c.created_at as "createdAt", c.updated_at as "updatedAt", c.resolved_at as "resolvedAt",
         c.kind, c.callback, c.labels,
         jsonb_build_object('id', k.id, 'name', k.name, 'email', k.email, 'phone', k.phone) as contact
    from conversations c join contacts k on k.id = c.contact_id`;

/** Who is looking: agents see their own conversations and those of their queues. */
export interface Viewer {
  agentId: string | null;
  role: Role;
}

const VISIBLE = `($V_ROLE <> 'agent' or c.assignee_id = $V_AGENT or c.queue_id in (select queue_id from queue_members where agent_id = $V_AGENT))`;

/** The visibility rule as a SQL condition on `c` (a conversations alias), its parameters pushed onto `params`. */
export function conversationVisibility(viewer: Viewer, params: unknown[]): string {
  params.push(viewer.role, viewer.agentId);
  const role = `$${params.length - 1}`;
  const agent = `$${params.length}::uuid`;
  return VISIBLE.replaceAll('$V_ROLE', role).replaceAll('$V_AGENT', agent);
}

export interface ConversationFilter {
  status?: ConversationStatus;
  /** 'me', 'unassigned', or an agent id. */
  assignee?: string;
  queueId?: string;
  inboxId?: string;
  channel?: string;
  /** Conversations carrying this label. */
  label?: string;
  contactId?: string;
  /** Updated at or after this instant. */
  updatedSince?: Date;
  /** Return conversations updated before this cursor (`updatedAt|id`), newest first. */
  /** updatedAt as PostgreSQL's text form keeps microseconds that a JS Date would drop. */
  cursor?: { updatedAt: Date | string; id: string };
  limit: number;
}

export async function listConversations(db: Queryable, viewer: Viewer, filter: ConversationFilter): Promise<Conversation[]> {
  const params: unknown[] = [];
  const where = [conversationVisibility(viewer, params)];
  if (filter.status) {
    params.push(filter.status);
    where.push(`c.status = $${params.length}`);
  }
  if (filter.assignee === 'unassigned') where.push('c.assignee_id is null');
  else if (filter.assignee) {
    params.push(filter.assignee === 'me' ? viewer.agentId : filter.assignee);
    where.push(`c.assignee_id = $${params.length}::uuid`);
  }
  const equal = (column: string, value: unknown, cast = '') => {
    if (value === undefined) return;
    params.push(value);
    where.push(`${column} = $${params.length}${cast}`);
  };
  equal('c.queue_id', filter.queueId, '::uuid');
  equal('c.inbox_id', filter.inboxId, '::uuid');
  equal('c.channel', filter.channel);
  equal('c.contact_id', filter.contactId, '::uuid');
  if (filter.label !== undefined) {
    params.push([filter.label]);
    where.push(`c.labels @> $${params.length}::text[]`);
  }
  if (filter.updatedSince) {
    params.push(filter.updatedSince);
    where.push(`c.updated_at >= $${params.length}`);
  }
  if (filter.cursor) {
    params.push(filter.cursor.updatedAt, filter.cursor.id);
    where.push(`(c.updated_at, c.id) < ($${params.length - 1}::timestamptz, $${params.length}::uuid)`);
  }
  params.push(filter.limit);
  const { rows } = await db.query(
    `${SELECT_CONVERSATION} where ${where.join(' and ')} order by c.updated_at desc, c.id desc limit $${params.length}`,
    params,
  );
  return rows as Conversation[];
}

export async function getConversation(db: Queryable, id: string, viewer?: Viewer): Promise<Conversation | undefined> {
  const params: unknown[] = [id];
  const where = ['c.id = $1'];
  if (viewer) where.push(conversationVisibility(viewer, params));
  const { rows } = await db.query(`${SELECT_CONVERSATION} where ${where.join(' and ')}`, params);
  return rows[0] as Conversation | undefined;
}
