import { couldBeSurveyNumber, deriveCountry, surveyStyleOf, type InboundEvent } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import { appendEvent, EVENTS_CHANNEL } from './events.ts';
import { nextSeq } from './messages.ts';
import { recordSurveyAnswer, type SurveyAnswerOutcome } from './surveys.ts';
import { answerSurveyByNumber, openSurveyFollowUp, recordSurveyComment, type SurveyFollowUp } from './survey-replies.ts';

export type InboundOutcome =
  | { kind: 'stored'; conversationId: string; messageId: string; seq: number; queueId: string | null; needsRouting: boolean; conversation: 'created' | 'reopened' | 'existing' }
  | { kind: 'duplicate'; messageId: string }
  | { kind: 'edited'; messageId: string }
  | { kind: 'deleted'; messageId: string }
  | { kind: 'reaction'; messageId: string }
  | { kind: 'status'; messageId: string | null }
  /** `messageId`: a survey reply written as a message (kept for history, never reopening); `followUp`: to enqueue after commit. */
  | { kind: 'survey'; outcome: SurveyAnswerOutcome; messageId?: string; followUp?: SurveyFollowUp }
  | { kind: 'ignored'; reason: string };

export interface InboundOptions {
  /** `DEFAULT_PHONE_REGION`: lets national numbers (no `+`) give the contact's country. */
  defaultPhoneRegion?: string;
}

/**
 * Persists one inbound event. Must run inside a transaction: a per-thread advisory lock makes a
 * burst of first messages from one customer open exactly one conversation, and the
 * unique `(inbox_id, external_id)` makes a redelivered webhook store one message.
 */
export async function recordInbound(tx: Queryable, event: InboundEvent, options: InboundOptions = {}): Promise<InboundOutcome> {
  switch (event.type) {
    case 'message':
      return (await recordSurveyReply(tx, event)) ?? storeMessage(tx, event, options);
    case 'callback_request':
    case 'call':
      return storeMessage(tx, event, options);
    case 'message_edited':
      return applyEdit(tx, event, options);
    case 'message_deleted':
      return applyDelete(tx, event);
    case 'reaction':
      return applyReaction(tx, event);
    case 'delivery_status':
      return applyStatus(tx, event);
    case 'survey_answer':
      return applySurveyAnswer(tx, event);
  }
}

async function lockThread(tx: Queryable, inboxId: string, threadKey: string): Promise<void> {
  await tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`thread:${inboxId}:${threadKey}`]);
}

async function findMessage(tx: Queryable, inboxId: string, externalId: string): Promise<string | undefined> {
  const { rows } = await tx.query<{ id: string }>(`select id from messages where inbox_id = $1 and external_id = $2`, [inboxId, externalId]);
  return rows[0]?.id;
}

/** The sender's contact and the identity they wrote from (the conversation replies through it). */
interface Sender {
  contactId: string;
  identityId: string;
}

/**
 * The sender's contact, created or found by identity. Its country follows docs/reports.md
 * "Regions": a derived country replaces only one of lower precedence (admin > phone > locale).
 */
async function upsertContact(tx: Queryable, event: InboundEvent, options: InboundOptions): Promise<Sender> {
  const s = event.sender;
  // the callback form's number is the customer's own; a shared contact card is someone else's
  const derived = deriveCountry({ phones: [s.phone, event.callback?.phone], locale: s.locale }, options.defaultPhoneRegion);
  // one statement for a known sender: the identity, and the contact's missing details
  const existing = await tx.query<Sender>(
    `with i as (
       update contact_identities set username = coalesce($3, username)
        where inbox_id = $1 and external_id = $2 returning contact_id, id),
     k as (
       -- the platform only fills what is missing: a name an agent corrected, or the kept details of
       -- a merged contact, are not overwritten by whichever identity wrote last; a derived country
       -- replaces only a lower source (mayReplaceCountry, contracts/country.ts), judged on the row
       -- being updated, so two writers at once cannot both win
       update contacts k set name = coalesce(k.name, $4), email = coalesce(k.email, $5), phone = coalesce(k.phone, $6),
              country = case when $7::text is not null and (k.country_source is null or (k.country_source = 'locale' and $8::text = 'phone'))
                             then $7 else k.country end,
              country_source = case when $7::text is not null and (k.country_source is null or (k.country_source = 'locale' and $8::text = 'phone'))
                                    then $8 else k.country_source end,
              updated_at = now()
         from i
        where k.id = i.contact_id
          and ((k.name is null and $4::text is not null) or (k.email is null and $5::text is not null) or (k.phone is null and $6::text is not null)
               or ($7::text is not null and (k.country_source is null or (k.country_source = 'locale' and $8::text = 'phone')))))
     select contact_id as "contactId", id as "identityId" from i`,
    [event.inboxId, s.externalId, s.username ?? null, s.name ?? null, s.email ?? null, s.phone ?? null, derived?.country ?? null, derived?.source ?? null],
  );
  if (existing.rows[0]) return existing.rows[0];
  const { rows } = await tx.query<{ id: string }>(
    `insert into contacts(name, email, phone, attributes, country, country_source) values ($1, $2, $3, $4, $5, $6) returning id`,
    [s.name ?? null, s.email ?? null, s.phone ?? null, s.locale ? { locale: s.locale } : {}, derived?.country ?? null, derived?.source ?? null],
  );
  const contactId = rows[0]!.id;
  const identity = await tx.query<{ id: string }>(
    `insert into contact_identities(contact_id, inbox_id, channel, external_id, username) values ($1, $2, $3, $4, $5) returning id`,
    [contactId, event.inboxId, event.channel, s.externalId, s.username ?? null],
  );
  return { contactId, identityId: identity.rows[0]!.id };
}

async function openConversation(
  tx: Queryable,
  event: InboundEvent,
  sender: Sender,
): Promise<{ id: string; queueId: string | null; routingState: string; how: 'created' | 'reopened' | 'existing' }> {
  const thread = event.thread.externalId;
  const live = await tx.query<{ id: string; queueId: string | null; routingState: string }>(
    `select id, queue_id as "queueId", routing_state as "routingState" from conversations
      where inbox_id = $1 and thread_key = $2 and status <> 'resolved'`,
    [event.inboxId, thread],
  );
  if (live.rows[0]) return { ...live.rows[0], how: 'existing' };

  const reopened = await tx.query<{ id: string; queueId: string | null; routingState: string }>(
    `update conversations c set status = 'open',
            routing_state = case when c.queue_id is null then 'unrouted' else 'queued' end,
            enqueued_at = now(), resolved_at = null, close_reason = null, updated_at = now(), version = version + 1,
            contact_identity_id = $3,
            -- the customer's last agent gets first refusal (ROUTING.md §1.4, chatwoot/chatwoot #9587)
            sticky_agent_id = coalesce((select a.agent_id from assignments a where a.conversation_id = c.id
                                         order by a.started_at desc, a.id desc limit 1), c.sticky_agent_id)
      where c.id = (select id from conversations where inbox_id = $1 and thread_key = $2 order by created_at desc limit 1)
      returning c.id, c.queue_id as "queueId", c.routing_state as "routingState"`,
    [event.inboxId, thread, sender.identityId],
  );
  if (reopened.rows[0]) return { ...reopened.rows[0], how: 'reopened' };

  const created = await tx.query<{ id: string; queueId: string | null; routingState: string }>(
    `insert into conversations(inbox_id, contact_id, channel, thread_key, queue_id, routing_state, enqueued_at, kind, callback, contact_identity_id)
     select i.id, $2, i.channel, $3, i.default_queue_id,
            case when i.default_queue_id is null then 'unrouted' else 'queued' end, now(), $4, $5, $6
       from inboxes i where i.id = $1
     returning id, queue_id as "queueId", routing_state as "routingState"`,
    [
      event.inboxId,
      sender.contactId,
      thread,
      event.type === 'callback_request' ? 'callback' : 'chat',
      event.type === 'callback_request' && event.callback ? JSON.stringify({ ...event.callback, requestedAt: event.sentAt }) : null,
      sender.identityId,
    ],
  );
  if (!created.rows[0]) throw new Error(`inbox ${event.inboxId} does not exist`);
  return { ...created.rows[0], how: 'created' };
}

async function storeMessage(tx: Queryable, event: InboundEvent, options: InboundOptions): Promise<InboundOutcome> {
  await lockThread(tx, event.inboxId, event.thread.externalId);
  const duplicate = await findMessage(tx, event.inboxId, event.externalMessageId);
  if (duplicate) return { kind: 'duplicate', messageId: duplicate };

  const sender = await upsertContact(tx, event, options);
  const { contactId } = sender;
  const conversation = await openConversation(tx, event, sender);
  const c = event.content;
  // the sequence number, the row and its outbox events in one statement (one round trip, not
  // four); the events are those appendEvent would write, conversation.* first, each NOTIFYing
  const { rows } = await tx.query<{ id: string; seq: string }>(
    `with s as (
       -- a message processed late (an older platform timestamp) must not move last_message_at back
       update conversations set last_seq = last_seq + 1, last_message_at = greatest(last_message_at, $9::timestamptz), updated_at = now()
        where id = $1 returning last_seq),
     m as (
       insert into messages(conversation_id, inbox_id, seq, direction, author_contact_id, text, html, attachments,
                            external_id, reply_to_external_id, status, sent_at, platform_order, raw)
       select $1, $2, s.last_seq, 'in', $3, $4, $5, $6, $7, $8, 'received', $9::timestamptz, $10, $11 from s
       returning id, seq),
     e as (
       insert into events(type, conversation_id, payload)
       select t.type, $1, case when t.type = 'message.created' then jsonb_build_object('messageId', m.id, 'direction', 'in')
                               else jsonb_build_object('queueId', $12::uuid) end
         from m, unnest($13::text[]) with ordinality as t(type, n)
        order by t.n
       returning id)
     select m.id, m.seq, (select count(*) from (select pg_notify($14, e.id::text) from e order by e.id) notified) as notified from m`,
    [
      conversation.id, event.inboxId, contactId, c.text ?? null, c.html ?? null,
      JSON.stringify(withExtras(c)), event.externalMessageId, event.thread.replyToExternalId ?? null, event.sentAt,
      event.platformOrder ?? null, event.raw ?? null,
      conversation.queueId,
      conversation.how === 'existing' ? ['message.created'] : [`conversation.${conversation.how}`, 'message.created'],
      EVENTS_CHANNEL,
    ],
  );
  if (!rows[0]) throw new Error(`conversation ${conversation.id} vanished while storing a message`);
  const messageId = rows[0].id;
  const seq = Number(rows[0].seq);
  return {
    kind: 'stored',
    conversationId: conversation.id,
    messageId,
    seq,
    queueId: conversation.queueId,
    needsRouting: conversation.routingState === 'queued',
    conversation: conversation.how,
  };
}

/** Locations and contact cards ride along with attachments so nothing the customer sent is dropped. */
function withExtras(c: InboundEvent['content']): unknown[] {
  const extras: unknown[] = [];
  if (c.location) extras.push({ kind: 'location', ...c.location });
  if (c.contactCard) extras.push({ kind: 'contact', ...c.contactCard });
  return [...c.attachments, ...extras];
}

async function applyEdit(tx: Queryable, event: InboundEvent, options: InboundOptions): Promise<InboundOutcome> {
  await lockThread(tx, event.inboxId, event.thread.externalId);
  const { rows } = await tx.query<{ id: string; conversationId: string }>(
    `update messages set text = $3, html = $4, edited_at = $5, updated_at = now()
      where inbox_id = $1 and external_id = $2 and (edited_at is null or edited_at <= $5)
      returning id, conversation_id as "conversationId"`,
    [event.inboxId, event.externalMessageId, event.content.text ?? null, event.content.html ?? null, event.sentAt],
  );
  if (!rows[0]) {
    // The original never reached us (or a newer edit did): keep what the customer wrote.
    if (await findMessage(tx, event.inboxId, event.externalMessageId)) return { kind: 'ignored', reason: 'stale edit' };
    return storeMessage(tx, { ...event, type: 'message' }, options);
  }
  await appendEvent(tx, { type: 'message.updated', conversationId: rows[0].conversationId, payload: { messageId: rows[0].id } });
  return { kind: 'edited', messageId: rows[0].id };
}

/**
 * A watermark receipt: every reply to this sender in this inbox sent up to `upTo` has reached
 * `state`, never moving one backwards. One event per conversation touched.
 */
async function applyWatermark(tx: Queryable, event: InboundEvent, upTo: string, state: string): Promise<InboundOutcome> {
  const { rows } = await tx.query<{ id: string; conversationId: string }>(
    `update messages m set status = $4, updated_at = now()
       from conversations c, contact_identities ci
      -- this sender's conversations only, even when a merge gave their contact a second identity here
      where m.conversation_id = c.id
        and (ci.id = c.contact_identity_id or (c.contact_identity_id is null and ci.contact_id = c.contact_id and ci.inbox_id = c.inbox_id))
        and c.inbox_id = $1 and ci.external_id = $2 and m.direction = 'out' and not m.is_private
        and m.sent_at <= $3 and coalesce(($5::jsonb ->> m.status)::int, 0) < ($5::jsonb ->> $4)::int
      returning m.id, m.conversation_id as "conversationId"`,
    [event.inboxId, event.sender.externalId, upTo, state, JSON.stringify(STATE_RANK)],
  );
  for (const [conversationId, ids] of groupBy(rows)) {
    await appendEvent(tx, { type: 'message.status', conversationId, payload: { messageIds: ids, status: state, upTo } });
  }
  return { kind: 'status', messageId: rows[0]?.id ?? null };
}

function groupBy(rows: { id: string; conversationId: string }[]): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const r of rows) groups.set(r.conversationId, [...(groups.get(r.conversationId) ?? []), r.id]);
  return groups;
}

/** The customer deleted a message: it is marked, not removed, so agents keep the context. */
async function applyDelete(tx: Queryable, event: InboundEvent): Promise<InboundOutcome> {
  const { rows } = await tx.query<{ id: string; conversationId: string }>(
    `update messages set deleted_at = coalesce(deleted_at, $3), updated_at = now()
      where inbox_id = $1 and external_id = $2 returning id, conversation_id as "conversationId"`,
    [event.inboxId, event.externalMessageId, event.sentAt],
  );
  if (!rows[0]) return { kind: 'ignored', reason: 'deletion of an unknown message' };
  await appendEvent(tx, { type: 'message.deleted', conversationId: rows[0].conversationId, payload: { messageId: rows[0].id } });
  return { kind: 'deleted', messageId: rows[0].id };
}

/** A reaction is an event on the message it reacts to, never a message of its own. */
async function applyReaction(tx: Queryable, event: InboundEvent): Promise<InboundOutcome> {
  const { rows } = await tx.query<{ id: string; conversationId: string }>(
    `select id, conversation_id as "conversationId" from messages where inbox_id = $1 and external_id = $2`,
    [event.inboxId, event.externalMessageId],
  );
  if (!rows[0]) return { kind: 'ignored', reason: 'reaction to an unknown message' };
  await appendEvent(tx, {
    type: 'message.reaction',
    conversationId: rows[0].conversationId,
    payload: { messageId: rows[0].id, emoji: event.reaction?.emoji ?? null, by: event.sender.externalId },
  });
  return { kind: 'reaction', messageId: rows[0].id };
}

/** A survey answer from the survey's own thread only: the thread of the event, not a survey id alone, names the customer. */
async function applySurveyAnswer(tx: Queryable, event: InboundEvent): Promise<InboundOutcome> {
  if (!event.survey) return { kind: 'ignored', reason: 'survey answer without an answer' };
  const input = { answer: event.survey, inboxId: event.inboxId, threadKey: event.thread.externalId, via: `${event.channel}_survey`, now: new Date(event.receivedAt) };
  const outcome = await recordSurveyAnswer(tx, input);
  const followUp = outcome.kind === 'recorded' ? await openSurveyFollowUp(tx, outcome.surveyId) : undefined;
  return { kind: 'survey', outcome, ...(followUp && { followUp }) };
}

/**
 * A customer text that answers a survey instead of writing to support: a lone number while a
 * numeric-reply survey is pending, or a Telegram reply to the survey's comment prompt. It is
 * kept in the resolved conversation's history and does not reopen or route it. Undefined for
 * anything else (and for a rejected answer), which the caller stores as an ordinary message.
 */
async function recordSurveyReply(tx: Queryable, event: InboundEvent): Promise<InboundOutcome | undefined> {
  const text = event.content.text;
  if (!text || event.content.attachments.length > 0) return undefined;
  const numeric = surveyStyleOf(event.channel) === 'numeric' && couldBeSurveyNumber(text);
  const promptExternalId = event.channel === 'telegram' ? event.thread.replyToExternalId : undefined;
  if (!numeric && !promptExternalId) return undefined;
  await lockThread(tx, event.inboxId, event.thread.externalId);
  // a redelivered webhook: storeMessage reports the duplicate (the answer must not count twice)
  if (await findMessage(tx, event.inboxId, event.externalMessageId)) return undefined;
  const input = { inboxId: event.inboxId, threadKey: event.thread.externalId, now: new Date(event.receivedAt) };
  const outcome = numeric
    ? await answerSurveyByNumber(tx, { ...input, text })
    : await recordSurveyComment(tx, { ...input, promptExternalId: promptExternalId!, comment: text });
  if (outcome?.kind !== 'recorded') return undefined;
  const messageId = await storeSurveyReplyMessage(tx, event, outcome.conversationId);
  const followUp = await openSurveyFollowUp(tx, outcome.surveyId);
  return { kind: 'survey', outcome, messageId, ...(followUp && { followUp }) };
}

/** The survey reply as an inbound message of the resolved conversation, by its contact, without touching its status. */
async function storeSurveyReplyMessage(tx: Queryable, event: InboundEvent, conversationId: string): Promise<string> {
  const seq = await nextSeq(tx, conversationId, new Date(event.sentAt));
  const { rows } = await tx.query<{ id: string }>(
    `insert into messages(conversation_id, inbox_id, seq, direction, author_contact_id, text, attachments,
                          external_id, reply_to_external_id, status, sent_at, platform_order, raw)
     select c.id, $2, $3, 'in', c.contact_id, $4, '[]', $5, $6, 'received', $7, $8, $9 from conversations c where c.id = $1
     returning id`,
    [conversationId, event.inboxId, seq, event.content.text, event.externalMessageId, event.thread.replyToExternalId ?? null, event.sentAt, event.platformOrder ?? null, event.raw ?? null],
  );
  const messageId = rows[0]!.id;
  await appendEvent(tx, { type: 'message.created', conversationId, payload: { messageId, direction: 'in', surveyReply: true } });
  return messageId;
}

const STATE_RANK: Record<string, number> = { queued: 0, sending: 1, sent: 2, delivered: 3, read: 4 };

async function applyStatus(tx: Queryable, event: InboundEvent): Promise<InboundOutcome> {
  const status = event.status;
  if (!status) return { kind: 'ignored', reason: 'status event without status' };
  if (status.upTo) return applyWatermark(tx, event, status.upTo, status.state);
  // receipts may arrive out of order: never move a message backwards (read -> delivered)
  const { rows } = await tx.query<{ id: string; conversationId: string }>(
    `update messages set status = $3, error_message = coalesce($4, error_message), updated_at = now()
      where inbox_id = $1 and external_id = $2 and direction = 'out'
        and ($3 = 'failed' or coalesce(($5::jsonb ->> status)::int, 0) < ($5::jsonb ->> $3)::int)
      returning id, conversation_id as "conversationId"`,
    [event.inboxId, status.externalMessageId, status.state, status.error ?? null, JSON.stringify(STATE_RANK)],
  );
  if (!rows[0]) return { kind: 'status', messageId: null };
  await appendEvent(tx, {
    type: 'message.status',
    conversationId: rows[0].conversationId,
    payload: { messageId: rows[0].id, status: status.state, error: status.error ?? null },
  });
  return { kind: 'status', messageId: rows[0].id };
}
