import type { EmailOutboundMessage, InboxContext, SendResult } from '@switchboard/channels';
import type { Pool } from '@switchboard/db';

type EmailSend = (msg: EmailOutboundMessage, inbox: InboxContext) => Promise<SendResult>;

/**
 * Fills in what only email needs from the conversation: the customer's last mail is what the
 * reply answers (In-Reply-To, the end of References) and its subject is kept as `Re: …`, so
 * the customer's client files the reply in the same thread.
 */
export function withEmailContext(pool: Pool, send: EmailSend): EmailSend {
  return async (msg, inbox) => {
    const { rows } = await pool.query<{ externalId: string | null; subject: string | null }>(
      `select external_id as "externalId", raw->>'subject' as subject from messages
        where conversation_id = $1 and direction = 'in' order by seq desc limit 1`,
      [msg.conversationId],
    );
    const last = rows[0];
    return send({ ...msg, replyToExternalId: last?.externalId ?? msg.replyToExternalId, subject: last?.subject ?? msg.subject }, inbox);
  };
}
