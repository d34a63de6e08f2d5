import { QUEUES } from '@switchboard/contracts';
import { createOutboundMessage, type Queryable } from '@switchboard/db';

export const AUTO_REPLY_KINDS = ['after_hours', 'queue_full', 'abandoned'] as const;
export type AutoReplyKind = (typeof AUTO_REPLY_KINDS)[number];

/**
 * An automatic message to the customer, written in the caller's transaction. The caller
 * enqueues it to `outbound-<channel>` (job id `jobIdFor('out', messageId)`) after commit;
 * if that is lost, egress's sweeper finds the message still `queued` and sends it.
 */
export interface AutoReply {
  messageId: string;
  channel: string;
  kind: AutoReplyKind;
}

const COLUMN: Record<AutoReplyKind, string> = {
  after_hours: 'after_hours_message',
  queue_full: 'queue_full_message',
  abandoned: 'abandoned_message',
};

/**
 * Writes the queue's configured message of this kind to the conversation, if the queue has
 * one and the channel can carry it. `key` makes it idempotent (an inbound message id, or
 * the conversation's enqueue time): a retried transaction or a second router writes it once.
 */
export async function writeQueueAutoReply(
  tx: Queryable,
  input: { conversationId: string; queueId: string; kind: AutoReplyKind; key: string },
): Promise<AutoReply | undefined> {
  const { rows } = await tx.query<{ text: string | null; inboxId: string; channel: string }>(
    `select q.${COLUMN[input.kind]} as text, c.inbox_id as "inboxId", c.channel
       from queues q, conversations c where q.id = $1 and c.id = $2`,
    [input.queueId, input.conversationId],
  );
  const row = rows[0];
  if (!row?.text?.trim()) return undefined;
  // a channel without egress in this build would keep the message queued forever
  if (!(`outbound-${row.channel}` in QUEUES)) return undefined;
  const { message } = await createOutboundMessage(tx, {
    conversationId: input.conversationId,
    inboxId: row.inboxId,
    agentId: null,
    text: row.text,
    isPrivate: false,
    idempotencyKey: `auto-${input.kind}-${input.key}`,
  });
  return { messageId: message.id, channel: row.channel, kind: input.kind };
}
