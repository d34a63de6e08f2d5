import type { DomainEvent, Queryable, Viewer } from '@switchboard/db';

/**
 * Who may see which outbox event on the live stream. The rule is the one conversations.ts
 * applies to reads (agents see conversations assigned to them or waiting in their queues),
 * evaluated against the conversation as it is when the event is streamed.
 */
export interface VisibilityContext {
  /** Conversation id → where it is now; absent when the conversation no longer exists. */
  conversations: ReadonlyMap<string, { assigneeId: string | null; queueId: string | null }>;
  /** Agent id → the queues they are a member of. */
  queuesOf: ReadonlyMap<string, ReadonlySet<string>>;
}

export const EMPTY_CONTEXT: VisibilityContext = { conversations: new Map(), queuesOf: new Map() };

/** Offers are personal invitations: queue colleagues learn the outcome from conversation.assigned. */
const PRIVATE_PREFIX = 'offer.';

/** Whether `viewer` may receive `event`. Pure: everything it needs is in `context`. */
export function isVisible(event: DomainEvent, viewer: Viewer, context: VisibilityContext): boolean {
  if (viewer.role !== 'agent') return true;
  const me = viewer.agentId;
  if (me === null) return false;
  if (event.agentId === me) return true;
  if (event.type.startsWith(PRIVATE_PREFIX)) return false;
  if (event.conversationId === null) return false;
  const conversation = context.conversations.get(event.conversationId);
  if (!conversation) return false;
  if (conversation.assigneeId === me) return true;
  return conversation.queueId !== null && (context.queuesOf.get(me)?.has(conversation.queueId) ?? false);
}

/**
 * Loads what `isVisible` needs for a batch of events and the agents about to receive it: two
 * queries however many subscribers there are. Nothing to load when no viewer is an agent.
 */
export async function loadVisibility(db: Queryable, events: readonly DomainEvent[], agentIds: readonly string[]): Promise<VisibilityContext> {
  if (agentIds.length === 0 || events.length === 0) return EMPTY_CONTEXT;
  const conversationIds = [...new Set(events.flatMap((e) => (e.conversationId ? [e.conversationId] : [])))];
  const [conversations, members] = await Promise.all([
    conversationIds.length === 0
      ? { rows: [] }
      : db.query<{ id: string; assigneeId: string | null; queueId: string | null }>(
          `select id, assignee_id as "assigneeId", queue_id as "queueId" from conversations where id = any($1::uuid[])`,
          [conversationIds],
        ),
    db.query<{ agentId: string; queueId: string }>(
      `select agent_id as "agentId", queue_id as "queueId" from queue_members where agent_id = any($1::uuid[])`,
      [[...new Set(agentIds)]],
    ),
  ]);
  const queuesOf = new Map<string, Set<string>>();
  for (const { agentId, queueId } of members.rows) {
    const set = queuesOf.get(agentId) ?? new Set<string>();
    set.add(queueId);
    queuesOf.set(agentId, set);
  }
  return { conversations: new Map(conversations.rows.map((c) => [c.id, { assigneeId: c.assigneeId, queueId: c.queueId }])), queuesOf };
}
