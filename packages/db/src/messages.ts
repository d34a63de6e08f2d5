import type { Attachment } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import { appendEvent } from './events.ts';

export const MESSAGE_STATUSES = ['received', 'stored', 'queued', 'sending', 'sent', 'delivered', 'read', 'failed'] as const;
export type MessageStatus = (typeof MESSAGE_STATUSES)[number];

export interface Message {
  id: string;
  conversationId: string;
  seq: number;
  direction: 'in' | 'out';
  authorAgentId: string | null;
  authorContactId: string | null;
  isPrivate: boolean;
  text: string | null;
  attachments: Attachment[];
  externalId: string | null;
  replyToExternalId: string | null;
  status: MessageStatus;
  errorCode: string | null;
  errorMessage: string | null;
  sentAt: Date | null;
  editedAt: Date | null;
  /** The customer deleted it on the platform; the text is kept for context. */
  deletedAt: Date | null;
  template: { name: string; language: string; parameters?: string[] } | null;
  createdAt: Date;
  /** Where it is shown: the customer's send time (inbound, never after receipt) or when it was written. */
  sortAt: Date;
}

export const SELECT_MESSAGE = `
  select m.id, m.conversation_id as "conversationId", m.seq::int as seq, m.direction,
         m.author_agent_id as "authorAgentId", m.author_contact_id as "authorContactId", m.is_private as "isPrivate",
         m.text, m.attachments, m.external_id as "externalId", m.reply_to_external_id as "replyToExternalId",
         m.status, m.error_code as "errorCode", m.error_message as "errorMessage",
         m.sent_at as "sentAt", m.edited_at as "editedAt", m.deleted_at as "deletedAt", m.template, m.created_at as "createdAt",
         m.sort_at as "sortAt"
    from messages m`;

/**
 * A page of a conversation's messages. `order: 'display'` (the platform's order, for showing a
 * conversation) pages by the seq of the previous page's last message; `order: 'arrival'` (by
 * seq, for catching up on what was stored since) returns every message with a seq above `after`.
 */
export async function listMessages(
  db: Queryable,
  conversationId: string,
  options: { order: 'display' | 'arrival'; after?: number; limit: number; includePrivate: boolean },
): Promise<Message[]> {
  const params = [conversationId, options.after ?? null, options.includePrivate, options.limit];
  const { rows } =
    options.order === 'arrival'
      ? await db.query(
          `${SELECT_MESSAGE} where m.conversation_id = $1 and m.seq > coalesce($2::bigint, 0) and ($3 or not m.is_private) order by m.seq limit $4`,
          params,
        )
      : await db.query(
          // keyset on the display key, from the message the cursor names (the caller checks it
          // exists); messages without a platform order come last within their second, as indexed
          `${SELECT_MESSAGE}
            where m.conversation_id = $1 and ($3 or not m.is_private)
              and ($2::bigint is null
                   or (m.sort_at, coalesce(m.platform_order, 9223372036854775807), m.seq) >
                      (select c.sort_at, coalesce(c.platform_order, 9223372036854775807), c.seq from messages c where c.conversation_id = $1 and c.seq = $2))
            order by m.sort_at, coalesce(m.platform_order, 9223372036854775807), m.seq limit $4`,
          params,
        );
  return rows as Message[];
}

/** Whether `seq` names a message of the conversation (a display-order cursor must). */
export async function hasMessageSeq(db: Queryable, conversationId: string, seq: number): Promise<boolean> {
  const { rows } = await db.query(`select 1 from messages where conversation_id = $1 and seq = $2`, [conversationId, seq]);
  return rows.length > 0;
}

export async function getMessage(db: Queryable, id: string): Promise<Message | undefined> {
  const { rows } = await db.query(`${SELECT_MESSAGE} where m.id = $1`, [id]);
  return rows[0] as Message | undefined;
}

/** Next per-conversation sequence number; the row lock orders concurrent writers. */
export async function nextSeq(db: Queryable, conversationId: string, at: Date): Promise<number> {
  const { rows } = await db.query<{ seq: string }>(
    // a message processed late (an older platform timestamp) must not move last_message_at back
    `update conversations set last_seq = last_seq + 1, last_message_at = greatest(last_message_at, $2), updated_at = now()
      where id = $1 returning last_seq as seq`,
    [conversationId, at],
  );
  return Number(rows[0]!.seq);
}

/**
 * Stores an agent's reply (status `queued`, or `stored` for a private note). With an
 * idempotency key, a retried request returns the message stored the first time.
 */
export async function createOutboundMessage(
  db: Queryable,
  input: {
    conversationId: string;
    inboxId: string;
    agentId: string | null;
    text: string | null;
    attachments?: readonly Attachment[];
    template?: { name: string; language: string; parameters?: string[] } | null;
    isPrivate: boolean;
    idempotencyKey?: string | undefined;
  },
): Promise<{ message: Message; created: boolean }> {
  if (input.idempotencyKey) {
    const { rows } = await db.query(`${SELECT_MESSAGE} where m.conversation_id = $1 and m.idempotency_key = $2`, [
      input.conversationId,
      input.idempotencyKey,
    ]);
    if (rows[0]) return { message: rows[0] as Message, created: false };
  }
  const seq = await nextSeq(db, input.conversationId, new Date());
  const { rows } = await db.query<{ id: string }>(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_agent_id, is_private, text, attachments, status, idempotency_key, template)
     values ($1, $2, $3, 'out', $4, $5, $6, $7, $8, $9, $10) returning id`,
    [
      input.conversationId,
      input.inboxId,
      seq,
      input.agentId,
      input.isPrivate,
      input.text,
      JSON.stringify(input.attachments ?? []),
      input.isPrivate ? 'stored' : 'queued',
      input.idempotencyKey ?? null,
      input.template ? JSON.stringify(input.template) : null,
    ],
  );
  const message = (await getMessage(db, rows[0]!.id))!;
  await appendEvent(db, { type: 'message.created', conversationId: input.conversationId, agentId: input.agentId, payload: { message } });
  return { message, created: true };
}

/** When the customer last wrote in this conversation (for reply windows), or null. */
export async function lastInboundAt(db: Queryable, conversationId: string): Promise<Date | null> {
  const { rows } = await db.query<{ at: Date | null }>(
    `select max(coalesce(sent_at, created_at)) as at from messages where conversation_id = $1 and direction = 'in'`,
    [conversationId],
  );
  return rows[0]?.at ?? null;
}

export async function staleOutbound(db: Queryable, olderThanMs: number, limit = 500): Promise<{ id: string; channel: string }[]> {
  const { rows } = await db.query(
    `select m.id, c.channel from messages m join conversations c on c.id = m.conversation_id
      where m.direction = 'out' and m.status in ('queued', 'sending') and m.updated_at < now() - ($1 || ' milliseconds')::interval
      order by m.created_at limit $2`,
    [String(olderThanMs), limit],
  );
  return rows as { id: string; channel: string }[];
}
