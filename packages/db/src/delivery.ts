import type { Attachment } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import type { SurveyPrompt } from './surveys.ts';
import { EVENTS_CHANNEL } from './events.ts';

/** Everything egress needs to deliver one reply. */
export interface OutboundDelivery {
  messageId: string;
  conversationId: string;
  inboxId: string;
  channel: string;
  seq: number;
  status: string;
  text: string | null;
  attachments: Attachment[];
  template: { name: string; language: string; parameters?: string[] } | null;
  recipientExternalId: string;
  threadExternalId: string;
  /** The survey this message asks (its sender adds the buttons or links) or asks a comment for, or null for an ordinary reply. */
  survey: SurveyPrompt | null;
}

export async function loadDelivery(db: Queryable, messageId: string): Promise<OutboundDelivery | undefined> {
  const { rows } = await db.query(
    `select m.id as "messageId", m.conversation_id as "conversationId", m.inbox_id as "inboxId", c.channel,
            m.seq::int as seq, m.status, m.text, m.attachments, m.template, ci.external_id as "recipientExternalId", c.thread_key as "threadExternalId",
            (select json_build_object('id', s.id, 'asks', s.asks, 'acceptsComment', s.accepts_comment,
                                      'expiresAt', to_char(s.expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                      'prompt', case when s.message_id = m.id then 'scores' else 'comment' end)
               from surveys s where s.message_id = m.id or s.comment_prompt_message_id = m.id) as survey
       from messages m
       join conversations c on c.id = m.conversation_id
       -- the identity the conversation arrived on: after a merge the contact may have several in
       -- this inbox (chatwoot/chatwoot #15359). Rows from before the column fall back to the contact's.
       join lateral (
         select ci.external_id from contact_identities ci
          where ci.id = c.contact_identity_id
             or (c.contact_identity_id is null and ci.contact_id = c.contact_id and ci.inbox_id = c.inbox_id)
          order by ci.created_at, ci.id
          limit 1) ci on true
      where m.id = $1 and m.direction = 'out' and not m.is_private`,
    [messageId],
  );
  return rows[0] as OutboundDelivery | undefined;
}

/**
 * `interrupted`: the reply is still `sending` from an attempt that never recorded its outcome
 * (egress was killed mid-send), so the platform may or may not have it.
 */
export type ClaimResult = 'claimed' | 'wait_for_earlier' | 'already_done' | 'interrupted';

/**
 * Marks a reply as being sent, unless an earlier reply in the same conversation is still
 * pending: replies go out in the order agents wrote them, whichever replica picks them up.
 * A reply left `sending` by an interrupted attempt is claimed again only when `resendInterrupted`
 * (the channel dedupes a repeated send); otherwise the caller must not send it blindly.
 */
export async function claimForSending(db: Queryable, messageId: string, options: { resendInterrupted: boolean }): Promise<ClaimResult> {
  const { rows } = await db.query<{ claimed: boolean; done: boolean; waiting: boolean }>(
    `with target as (select id, conversation_id, seq, status from messages where id = $1),
          earlier as (
            select 1 from messages p, target t
             where p.conversation_id = t.conversation_id and p.direction = 'out' and not p.is_private
               and p.seq < t.seq and p.status in ('queued', 'sending')
             limit 1),
          upd as (
            -- the status test is on the row itself, so PostgreSQL re-checks it after waiting for a
            -- concurrent claim's lock: two workers never both move one reply to sending
            update messages m set status = 'sending', attempts = attempts + 1, updated_at = now()
             where m.id = $1 and (m.status = 'queued' or (m.status = 'sending' and $2)) and not exists (select 1 from earlier)
             returning m.id)
     select exists(select 1 from upd) as claimed,
            coalesce((select status not in ('queued', 'sending') from target), true) as done,
            exists(select 1 from earlier) as waiting`,
    [messageId, options.resendInterrupted],
  );
  const row = rows[0]!;
  if (row.claimed) return 'claimed';
  if (row.done) return 'already_done';
  return row.waiting ? 'wait_for_earlier' : 'interrupted';
}

/** The error code of a reply whose send was interrupted on a channel that cannot take a repeat. */
export const DELIVERY_UNCERTAIN = 'delivery_uncertain';

/**
 * Closes a `with m as (update messages ... returning conversation_id` statement: the
 * `message.status` event ($1, the payload) goes into the outbox, and NOTIFY ($2) is queued, in the
 * same statement as the change. The change never commits without its event, and it costs one
 * commit, not two. The statement returns a row only when the update changed the message.
 */
const ANNOUNCE_STATUS = `),
  e as (insert into events(type, conversation_id, payload) select 'message.status', conversation_id, $1::jsonb from m returning id)
  select m.conversation_id as "conversationId", pg_notify($2, e.id::text) from m, e`;

/**
 * An interrupted send on a channel without idempotency: at most once. The agent is told the
 * customer may or may not have the reply, instead of the customer possibly getting it twice.
 */
export async function markDeliveryUncertain(db: Queryable, messageId: string): Promise<void> {
  const message = 'egress stopped while sending this reply, so whether the customer received it is unknown; it was not resent to avoid a duplicate';
  const payload = { messageId, status: 'failed', errorCode: DELIVERY_UNCERTAIN, error: message };
  await db.query(
    `with m as (update messages set status = 'failed', error_code = $4, error_message = $5, updated_at = now()
      where id = $3 and status = 'sending' returning conversation_id${ANNOUNCE_STATUS}`,
    [payload, EVENTS_CHANNEL, messageId, DELIVERY_UNCERTAIN, message],
  );
}

export async function markSent(db: Queryable, messageId: string, externalId: string, sentAt: Date): Promise<void> {
  await db.query(
    // a send that outlived its job's lock may finish after a second job flagged it uncertain: the
    // platform's answer is the truer word
    `with m as (update messages set status = 'sent', external_id = $4, sent_at = $5, error_code = null, error_message = null, updated_at = now()
      where id = $3 and (status in ('queued', 'sending') or (status = 'failed' and error_code = $6)) returning conversation_id${ANNOUNCE_STATUS}`,
    [{ messageId, status: 'sent', externalId }, EVENTS_CHANNEL, messageId, externalId, sentAt, DELIVERY_UNCERTAIN],
  );
}

/** A failure that retrying cannot fix: the agent is told through the event stream. */
export async function markFailed(db: Queryable, messageId: string, code: string, message: string): Promise<void> {
  await db.query(
    `with m as (update messages set status = 'failed', error_code = $4, error_message = $5, updated_at = now()
      where id = $3 and status in ('queued', 'sending') returning conversation_id${ANNOUNCE_STATUS}`,
    [{ messageId, status: 'failed', errorCode: code, error: message }, EVENTS_CHANNEL, messageId, code, message],
  );
}

/**
 * A transient failure: back to `queued` so later replies keep waiting behind this one. With
 * `notify`, agents are told it is retrying and why (a platform outage); pacing delays are not news.
 */
export async function markRetrying(db: Queryable, messageId: string, code: string, message: string, options: { notify?: boolean } = {}): Promise<void> {
  if (!options.notify) {
    await db.query(
      `update messages set status = 'queued', error_code = $2, error_message = $3, updated_at = now() where id = $1 and status = 'sending'`,
      [messageId, code, message],
    );
    return;
  }
  await db.query(
    `with m as (update messages set status = 'queued', error_code = $4, error_message = $5, updated_at = now()
      where id = $3 and status = 'sending' returning conversation_id${ANNOUNCE_STATUS}`,
    [{ messageId, status: 'queued', retrying: true, errorCode: code, error: message }, EVENTS_CHANNEL, messageId, code, message],
  );
}

/** The platform says we can no longer write to this person (bot blocked, STOP). */
export async function markContactUnreachable(db: Queryable, inboxId: string, externalId: string): Promise<void> {
  await db.query(
    `update contact_identities set unreachable_at = coalesce(unreachable_at, now()) where inbox_id = $1 and external_id = $2`,
    [inboxId, externalId],
  );
}

/**
 * A bounce of a reply SMTP already accepted: unlike markFailed it also fails a `sent` or
 * `delivered` reply, since the bounce is the later and truer word on its fate.
 */
export async function markBounced(db: Queryable, messageId: string, message: string): Promise<boolean> {
  const { rows } = await db.query(
    `with m as (update messages set status = 'failed', error_code = 'bounced', error_message = $4, updated_at = now()
      where id = $3 and direction = 'out' and status <> 'failed' returning conversation_id${ANNOUNCE_STATUS}`,
    [{ messageId, status: 'failed', errorCode: 'bounced', error: message }, EVENTS_CHANNEL, messageId, message.slice(0, 2000)],
  );
  return rows.length > 0;
}
