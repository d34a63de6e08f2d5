import { createSurvey, inboxSurveySettings, type PoolClient } from '@switchboard/db';

/** The channels whose senders render a survey today; email links and numeric replies come next. */
export const SURVEY_CHANNELS: ReadonlySet<string> = new Set(['telegram', 'webchat']);

/** A survey message written by a resolve, for the caller to enqueue to `outbound-<channel>` after commit. */
export interface SurveyMessage {
  surveyId: string;
  messageId: string;
  channel: string;
}

/**
 * After a resolve, in its transaction: when the conversation's inbox has surveys on and its
 * channel can carry one, writes the pending survey of this resolution and its message.
 */
export async function openSurvey(tx: PoolClient, conversationId: string, resolvedAt: Date): Promise<SurveyMessage | undefined> {
  const { rows } = await tx.query<{ inboxId: string; channel: string; kind: string }>(
    `select inbox_id as "inboxId", channel, kind from conversations where id = $1`,
    [conversationId],
  );
  const conversation = rows[0];
  // a callback request was answered by phone: there is no chat to send the survey to
  if (!conversation || conversation.kind !== 'chat' || !SURVEY_CHANNELS.has(conversation.channel)) return undefined;
  const settings = await inboxSurveySettings(tx, conversation.inboxId);
  if (!settings) return undefined;
  return createSurvey(tx, { conversationId, resolvedAt, settings });
}
