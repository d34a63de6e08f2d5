import { awaitedKind, numericQuestionText, parseSurveyNumber, SURVEY_COMMENT_PROMPT, surveyStyleOf, type SurveyKind } from '@switchboard/contracts';
import type { Queryable } from './pool.ts';
import { createOutboundMessage } from './messages.ts';
import { inboxSurveySettings, recordSurveyAnswer, type SurveyAnswerOutcome } from './surveys.ts';

/** An outbound message a recorded answer led to (the next numeric question, the Telegram comment prompt), for the caller to enqueue after commit. */
export interface SurveyFollowUp {
  messageId: string;
  channel: string;
}

/** The longest comment kept (surveys.comment); the customer's message itself is stored whole. */
const MAX_COMMENT = 2000;

/**
 * A text from a numeric-reply channel as the answer to the pending survey of the thread's
 * resolved conversation, or undefined when it is not one (nothing pending, expired, not a lone
 * number in the awaited range): the caller then stores it as an ordinary message. Only while the
 * conversation stays resolved: once the customer reopened it, a number may answer an agent.
 */
export async function answerSurveyByNumber(
  tx: Queryable,
  input: { inboxId: string; threadKey: string; text: string; now: Date },
): Promise<SurveyAnswerOutcome | undefined> {
  const { rows } = await tx.query<{ id: string; asks: SurveyKind[]; csat: number | null; nps: number | null; expiresAt: Date }>(
    `select s.id, s.asks, s.csat, s.nps, s.expires_at as "expiresAt"
       from conversations c join surveys s on s.conversation_id = c.id and s.resolved_at = c.resolved_at
      where c.id = (select id from conversations where inbox_id = $1 and thread_key = $2 order by created_at desc limit 1)
        and c.status = 'resolved' and s.status = 'pending'`,
    [input.inboxId, input.threadKey],
  );
  const survey = rows[0];
  if (!survey || survey.expiresAt <= input.now) return undefined;
  const kind = awaitedKind(survey);
  const score = kind && parseSurveyNumber(input.text, kind);
  if (!kind || score === undefined) return undefined;
  const answer = { surveyId: survey.id, [kind]: score };
  return recordSurveyAnswer(tx, { answer, inboxId: input.inboxId, threadKey: input.threadKey, via: 'numeric_reply', now: input.now });
}

/**
 * A Telegram reply to a survey's comment prompt as the survey's comment; undefined when the
 * message replies to something else. Rejected when it comes from another chat, after the
 * answer window, or when the survey already has a comment.
 */
export async function recordSurveyComment(
  tx: Queryable,
  input: { inboxId: string; threadKey: string; promptExternalId: string; comment: string; now: Date },
): Promise<SurveyAnswerOutcome | undefined> {
  const { rows } = await tx.query<{ id: string; conversationId: string; channel: string; threadKey: string; status: 'pending' | 'answered' | 'expired'; comment: string | null; expiresAt: Date }>(
    `select s.id, s.conversation_id as "conversationId", s.channel, c.thread_key as "threadKey", s.status, s.comment, s.expires_at as "expiresAt"
       from messages m
       join surveys s on s.comment_prompt_message_id = m.id
       join conversations c on c.id = s.conversation_id
      where m.inbox_id = $1 and m.external_id = $2
      for update of s`,
    [input.inboxId, input.promptExternalId],
  );
  const survey = rows[0];
  if (!survey) return undefined;
  if (survey.threadKey !== input.threadKey) return { kind: 'rejected', reason: 'not_this_customer' };
  if (survey.status === 'expired' || survey.expiresAt <= input.now) return { kind: 'rejected', reason: 'expired' };
  if (survey.comment !== null) return { kind: 'rejected', reason: 'already_answered' };
  const comment = input.comment.trim().slice(0, MAX_COMMENT);
  if (!comment) return { kind: 'rejected', reason: 'not_asked' };
  await tx.query(`update surveys set comment = $2 where id = $1`, [survey.id, comment]);
  return { kind: 'recorded', surveyId: survey.id, conversationId: survey.conversationId, channel: survey.channel, status: survey.status, scores: {} };
}

/**
 * What a survey asks next after a recorded answer, written as an outbound message: on a
 * numeric-reply channel the next question (NPS after CSAT), on Telegram the comment prompt once
 * every score is in and the inbox takes comments. Each is written once (idempotency key).
 */
export async function openSurveyFollowUp(tx: Queryable, surveyId: string): Promise<SurveyFollowUp | undefined> {
  const { rows } = await tx.query<{
    conversationId: string; inboxId: string; channel: string; status: string; asks: SurveyKind[]; csat: number | null; nps: number | null;
    acceptsComment: boolean; comment: string | null; promptId: string | null;
  }>(
    `select conversation_id as "conversationId", inbox_id as "inboxId", channel, status, asks, csat, nps,
            accepts_comment as "acceptsComment", comment, comment_prompt_message_id as "promptId"
       from surveys where id = $1`,
    [surveyId],
  );
  const survey = rows[0];
  if (!survey) return undefined;
  const write = async (text: string, key: string) => {
    const { message, created } = await createOutboundMessage(tx, {
      conversationId: survey.conversationId, inboxId: survey.inboxId, agentId: null, text, isPrivate: false, idempotencyKey: `survey-${surveyId}-${key}`,
    });
    return created ? message.id : undefined;
  };
  if (surveyStyleOf(survey.channel) === 'numeric' && survey.status === 'pending') {
    const kind = awaitedKind(survey);
    if (!kind) return undefined;
    // the inbox's wording as it is now; defaults if surveys were turned off meanwhile
    const settings = (await inboxSurveySettings(tx, survey.inboxId)) ?? {};
    const messageId = await write(numericQuestionText(kind, settings), kind);
    return messageId ? { messageId, channel: survey.channel } : undefined;
  }
  if (survey.channel === 'telegram' && survey.status === 'answered' && survey.acceptsComment && survey.comment === null && survey.promptId === null) {
    const messageId = await write(SURVEY_COMMENT_PROMPT, 'comment');
    if (!messageId) return undefined;
    await tx.query(`update surveys set comment_prompt_message_id = $2 where id = $1`, [surveyId, messageId]);
    return { messageId, channel: survey.channel };
  }
  return undefined;
}
