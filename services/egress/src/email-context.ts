import type { EmailOutboundMessage, InboxContext, SendResult } from '@switchboard/channels';
import type { Pool } from '@switchboard/db';

type EmailSend = (msg: EmailOutboundMessage, inbox: InboxContext) => Promise<SendResult>;

/**
 * Fills in what only email needs from the conversation: the customer's last mail is what the
 * reply answers (In-Reply-To, the end of References after the customer's own chain) and its subject is kept as `Re: …`, so
 * the customer's client files the reply in the same thread.
 */
export function withEmailContext(pool: Pool, send: EmailSend): EmailSend {
  return async (msg, inbox) => {
    const { rows } = await pool.query<{ externalId: string | null; subject: string | null; references: unknown }>(
      `select external_id as "externalId", raw->>'subject' as subject, raw->'references' as "references" from messages
        where conversation_id = $1 and direction = 'in' order by seq desc limit 1`,
      [msg.conversationId],
    );
    const last = rows[0];
    // References = the customer's chain + their Message-ID (RFC 5322 §3.6.4); the sender appends the id
    const references = Array.isArray(last?.references) ? last.references.filter((r): r is string => typeof r === 'string') : [];
    return send({
      ...msg,
      replyToExternalId: last?.externalId ?? msg.replyToExternalId,
      subject: last?.subject ?? msg.subject,
      ...(references.length > 0 ? { references } : {}),
    }, inbox);
  };
}
