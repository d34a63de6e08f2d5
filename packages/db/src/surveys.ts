import { SurveySettings, surveyQuestionText, surveyStyleOf, type SurveyAnswer, type SurveyKind } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import { createOutboundMessage } from './messages.ts';

/** The survey an outbound message carries, as a channel's sender renders it (keyboard, widget frame, email links). */
export interface SurveyPrompt {
  id: string;
  asks: SurveyKind[];
  acceptsComment: boolean;
  /** ISO 8601. */
  expiresAt: string;
  /** `scores`: the survey's question message; `comment`: the Telegram prompt for a comment after the scores (force_reply). */
  prompt: 'scores' | 'comment';
}

/** The inbox's survey settings, or undefined when surveys are off (or the stored value no longer parses). */
export async function inboxSurveySettings(db: Queryable, inboxId: string): Promise<SurveySettings | undefined> {
  const { rows } = await db.query<{ settings: unknown }>(`select survey_settings as settings from inboxes where id = $1`, [inboxId]);
  const parsed = SurveySettings.safeParse(rows[0]?.settings ?? undefined);
  return parsed.success ? parsed.data : undefined;
}

/** Turns surveys on (settings) or off (null) for an inbox; false when the inbox does not exist. */
export async function setInboxSurveySettings(db: Queryable, inboxId: string, settings: SurveySettings | null): Promise<boolean> {
  const { rowCount } = await db.query(`update inboxes set survey_settings = $2, updated_at = now() where id = $1`, [inboxId, settings && JSON.stringify(settings)]);
  return rowCount === 1;
}

/**
 * Writes the pending survey of one resolution and the outbound message carrying it (status
 * `queued`; the caller enqueues it after commit). Undefined when the inbox has surveys off or
 * this resolution already has one. Call in the resolving transaction, the conversation locked.
 */
export async function createSurvey(
  tx: Queryable,
  input: { conversationId: string; resolvedAt: Date; settings: SurveySettings },
): Promise<{ surveyId: string; messageId: string; channel: string } | undefined> {
  const { settings } = input;
  const asks: SurveyKind[] = [...(settings.csat ? ['csat' as const] : []), ...(settings.nps ? ['nps' as const] : [])];
  const expiresAt = new Date(input.resolvedAt.getTime() + settings.answerWindowHours * 3_600_000);
  const { rows } = await tx.query<{ id: string; inboxId: string; channel: string }>(
    `insert into surveys(conversation_id, resolved_at, inbox_id, channel, queue_id, agent_id, asks, accepts_comment, sent_at, expires_at)
     select c.id, $2, c.inbox_id, c.channel, c.queue_id,
            (select agent_id from assignments a where a.conversation_id = c.id order by a.started_at desc limit 1),
            $3, $4, $2, $5
       from conversations c where c.id = $1
     on conflict (conversation_id, resolved_at) do nothing
     returning id, inbox_id as "inboxId", channel`,
    [input.conversationId, input.resolvedAt, asks, settings.comment, expiresAt],
  );
  const survey = rows[0];
  if (!survey) return undefined;
  // numeric-reply channels ask one question per message; the next follows the first answer (survey-replies.ts)
  const text = surveyQuestionText(surveyStyleOf(survey.channel) ?? 'buttons', asks, settings);
  const { message } = await createOutboundMessage(tx, {
    conversationId: input.conversationId,
    inboxId: survey.inboxId,
    agentId: null,
    text,
    isPrivate: false,
    idempotencyKey: `survey-${survey.id}`,
  });
  await tx.query(`update surveys set message_id = $2 where id = $1`, [survey.id, message.id]);
  return { surveyId: survey.id, messageId: message.id, channel: survey.channel };
}

export type SurveyRejection = 'unknown_survey' | 'not_this_customer' | 'expired' | 'already_answered' | 'not_asked';

export type SurveyAnswerOutcome =
  /** `scores`: what this answer recorded (none for a comment alone), for the live figures. */
  | { kind: 'recorded'; surveyId: string; conversationId: string; channel: string; status: 'pending' | 'answered'; scores: { csat?: number; nps?: number } }
  | { kind: 'rejected'; reason: SurveyRejection };

/** What of a survey decides whether an answer counts. */
export interface SurveyAnswerState {
  status: string;
  asks: readonly SurveyKind[];
  csat: number | null;
  nps: number | null;
  expiresAt: Date;
}

/**
 * Why these scores would not count on this survey at `now`, in this order: already answered,
 * past its window, not asked (or nothing given), a score already recorded; undefined when they
 * count. The thread check comes before and is the caller's (recordSurveyAnswer); the email
 * page also asks it to show the verdict before the customer presses the button.
 */
export function surveyAnswerRefusal(survey: SurveyAnswerState, given: readonly SurveyKind[], now: Date): SurveyRejection | undefined {
  if (survey.status === 'answered') return 'already_answered';
  if (survey.status === 'expired' || survey.expiresAt <= now) return 'expired';
  if (given.length === 0 || given.some((kind) => !survey.asks.includes(kind))) return 'not_asked';
  if (given.some((kind) => survey[kind] !== null)) return 'already_answered';
  return undefined;
}

/**
 * Records a customer's answer, once per score: only while the survey is pending and before it
 * expires, only from the conversation's own thread (`inboxId` + `threadKey`: the Telegram chat,
 * the web-chat visitor), only for what was asked. The survey is `answered` once every asked
 * score is in. A rejected answer changes nothing.
 */
export async function recordSurveyAnswer(
  tx: Queryable,
  input: { answer: SurveyAnswer; inboxId: string; threadKey: string; via: string; now: Date },
): Promise<SurveyAnswerOutcome> {
  const { answer, now } = input;
  const { rows } = await tx.query<SurveyAnswerState & { id: string; conversationId: string; inboxId: string; channel: string; threadKey: string; acceptsComment: boolean }>(
    `select s.id, s.conversation_id as "conversationId", s.inbox_id as "inboxId", s.channel, c.thread_key as "threadKey", s.status, s.asks,
            s.accepts_comment as "acceptsComment", s.csat, s.nps, s.expires_at as "expiresAt"
       from surveys s join conversations c on c.id = s.conversation_id
      where s.id = $1 for update of s`,
    [answer.surveyId],
  );
  const survey = rows[0];
  if (!survey) return { kind: 'rejected', reason: 'unknown_survey' };
  if (survey.inboxId !== input.inboxId || survey.threadKey !== input.threadKey) return { kind: 'rejected', reason: 'not_this_customer' };
  const given = (['csat', 'nps'] as const).filter((kind) => answer[kind] !== undefined);
  const refusal = surveyAnswerRefusal(survey, given, now);
  if (refusal === 'expired') await tx.query(`update surveys set status = 'expired' where id = $1 and status = 'pending'`, [survey.id]);
  if (refusal) return { kind: 'rejected', reason: refusal };
  const csat = answer.csat ?? survey.csat;
  const nps = answer.nps ?? survey.nps;
  const complete = survey.asks.every((kind) => (kind === 'csat' ? csat : nps) !== null);
  const status = complete ? 'answered' : 'pending';
  await tx.query(
    `update surveys set csat = $2, nps = $3, comment = coalesce(comment, $4), status = $5, answered_via = $6,
            answered_at = coalesce(answered_at, $7::timestamptz)
      where id = $1`,
    [survey.id, csat, nps, survey.acceptsComment ? (answer.comment ?? null) : null, status, input.via, now],
  );
  const scores = Object.fromEntries(given.map((kind) => [kind, answer[kind]!]));
  return { kind: 'recorded', surveyId: survey.id, conversationId: survey.conversationId, channel: survey.channel, status, scores };
}

/**
 * Before a later resolve's survey: whether the customer already gave this conversation a score
 * (then it is not asked again: a rating is stored once per conversation), and otherwise closes
 * the earlier resolutions' unanswered surveys (`expired`), so their buttons and links stop
 * counting and the customer never has two surveys of one conversation to answer.
 */
export async function settleEarlierSurveys(tx: Queryable, conversationId: string, resolvedAt: Date): Promise<'rated' | 'open'> {
  // locked, so an answer committing meanwhile is seen here, not lost beside a second survey
  const { rows } = await tx.query<{ id: string; status: string; csat: number | null; nps: number | null; resolvedAt: Date }>(
    `select id, status, csat, nps, resolved_at as "resolvedAt" from surveys where conversation_id = $1 order by id for update`,
    [conversationId],
  );
  if (rows.some((s) => s.csat !== null || s.nps !== null)) return 'rated';
  const superseded = rows.filter((s) => s.status === 'pending' && s.resolvedAt < resolvedAt).map((s) => s.id);
  if (superseded.length) await tx.query(`update surveys set status = 'expired' where id = any($1::uuid[])`, [superseded]);
  return 'open';
}

/** Marks pending surveys past their answer window `expired`; returns how many. */
export async function expireSurveys(db: Queryable, now: Date): Promise<number> {
  const { rowCount } = await db.query(`update surveys set status = 'expired' where status = 'pending' and expires_at <= $1`, [now]);
  return rowCount ?? 0;
}

export interface Survey {
  id: string;
  conversationId: string;
  status: 'pending' | 'answered' | 'expired';
  asks: SurveyKind[];
  csat: number | null;
  nps: number | null;
  comment: string | null;
  answeredVia: string | null;
  messageId: string | null;
  sentAt: Date;
  answeredAt: Date | null;
  expiresAt: Date;
}

export async function listSurveys(db: Queryable, conversationId: string): Promise<Survey[]> {
  const { rows } = await db.query(
    `select id, conversation_id as "conversationId", status, asks, csat, nps, comment, answered_via as "answeredVia", message_id as "messageId",
            sent_at as "sentAt", answered_at as "answeredAt", expires_at as "expiresAt"
       from surveys where conversation_id = $1 order by sent_at, id`,
    [conversationId],
  );
  return rows as Survey[];
}

/** One survey as its email page shows it, with the conversation's thread (recordSurveyAnswer checks the answer against it). */
export interface SurveyForPage {
  id: string;
  status: 'pending' | 'answered' | 'expired';
  asks: SurveyKind[];
  acceptsComment: boolean;
  csat: number | null;
  nps: number | null;
  comment: string | null;
  expiresAt: Date;
  inboxId: string;
  threadKey: string;
}

export async function getSurveyForPage(db: Queryable, surveyId: string): Promise<SurveyForPage | undefined> {
  const { rows } = await db.query<SurveyForPage>(
    `select s.id, s.status, s.asks, s.accepts_comment as "acceptsComment", s.csat, s.nps, s.comment, s.expires_at as "expiresAt",
            s.inbox_id as "inboxId", c.thread_key as "threadKey"
       from surveys s join conversations c on c.id = s.conversation_id where s.id = $1`,
    [surveyId],
  );
  return rows[0];
}
