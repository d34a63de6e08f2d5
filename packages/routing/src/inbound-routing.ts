import type { InboundEvent } from '@switchboard/contracts';
import type { Queryable } from '@switchboard/db';
import type { AutoReply } from './auto-reply.ts';
import { enqueueConversation } from './enqueue.ts';
import { changeConversationStatus, type LiveStatus } from './pending.ts';
import { onCustomerMessage } from './sla.ts';

/** What the router does after the inbound transaction commits. */
export interface InboundRouting {
  /** Queues to dispatch. */
  dispatch: string[];
  /** Auto-replies to enqueue to `outbound-<channel>`. */
  outbound: AutoReply[];
}

/**
 * Routing's part of storing a customer message, in the same transaction: a new or reopened
 * conversation is classified and queued; a message on a live one reopens it from
 * pending/snoozed (reclaiming released units, scenario 44), retries classification if it was
 * refused or had nowhere to go, starts an NRT timer when it follows an agent reply, and asks
 * for a dispatch while it waits unassigned.
 */
export async function routeInbound(
  tx: Queryable,
  input: { conversationId: string; messageId: string; conversation: 'created' | 'reopened' | 'existing'; event: InboundEvent; now: Date },
): Promise<InboundRouting> {
  const { conversationId, messageId, now, event } = input;
  if (input.conversation !== 'existing') {
    const { outbound, dispatch } = await enqueueConversation(tx, { conversationId, event, reopened: input.conversation === 'reopened', now, messageId });
    return { outbound, dispatch };
  }
  const { rows } = await tx.query<{ status: LiveStatus | 'resolved' }>(
    `update conversations set last_inbound_at = $2, first_inbound_at = coalesce(first_inbound_at, $2) where id = $1 returning status`,
    [conversationId, now],
  );
  const dispatch = new Set<string>();
  if (rows[0]?.status === 'pending' || rows[0]?.status === 'snoozed') {
    const change = await changeConversationStatus(tx, conversationId, 'open', now);
    if (change.ok) for (const q of change.dispatch) dispatch.add(q);
  }
  const { rows: state } = await tx.query<{ routingState: string; queueId: string | null }>(
    `select routing_state as "routingState", queue_id as "queueId" from conversations where id = $1`,
    [conversationId],
  );
  if (state[0]?.routingState === 'unrouted') {
    const retry = await enqueueConversation(tx, { conversationId, event, reopened: false, now, messageId });
    return { outbound: retry.outbound, dispatch: [...new Set([...dispatch, ...retry.dispatch])] };
  }
  await onCustomerMessage(tx, { conversationId, messageId, now });
  if (state[0]?.routingState === 'queued' && state[0].queueId) dispatch.add(state[0].queueId);
  return { outbound: [], dispatch: [...dispatch] };
}
