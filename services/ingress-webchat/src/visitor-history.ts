import type { Attachment } from '@switchboard/contracts';
import type { WebchatSurvey } from '@switchboard/channels';
import type { Queryable } from '@switchboard/db';

/** One message as the visitor's widget sees it: no authors, no private notes, no raw payloads. */
export interface VisitorMessage {
  id: string;
  seq: number;
  direction: 'in' | 'out';
  text: string | null;
  attachments: Attachment[];
  createdAt: Date;
  status: string;
  /** For the visitor's own messages: `visitorId:clientMessageId` (see the webchat normalizer). */
  externalId: string | null;
  /** The survey this message asks, while it can still be answered. */
  survey: WebchatSurvey | null;
}

/**
 * The visitor's messages after `afterSeq` in their latest conversation of this inbox (the
 * thread key of a web-chat conversation is the visitor id). A resolved conversation is
 * reopened by the next message, so "latest" is the one the visitor is talking in.
 */
export async function listVisitorMessages(
  db: Queryable,
  input: { inboxId: string; visitorId: string; afterSeq: number; limit: number },
): Promise<VisitorMessage[]> {
  const { rows } = await db.query(
    `select m.id, m.seq::int as seq, m.direction, m.text, m.attachments, m.created_at as "createdAt", m.status, m.external_id as "externalId",
            (select json_build_object('id', s.id, 'asks', s.asks, 'acceptsComment', s.accepts_comment,
                                      'expiresAt', to_char(s.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'))
               from surveys s where s.message_id = m.id and s.status = 'pending' and s.expires_at > now()) as survey
       from messages m
      where m.conversation_id = (select c.id from conversations c
                                  where c.inbox_id = $1 and c.thread_key = $2
                                  order by c.created_at desc limit 1)
        and m.seq > $3 and not m.is_private
      order by m.seq
      limit $4`,
    [input.inboxId, input.visitorId, input.afterSeq, input.limit],
  );
  return rows as VisitorMessage[];
}
