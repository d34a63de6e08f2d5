import { REPLY_WINDOW_HOURS, SURVEY_STYLES, type ChannelId } from '@switchboard/contracts';
import { createSurvey, inboxSurveySettings, lastInboundAt, settleEarlierSurveys, type PoolClient } from '@switchboard/db';

/**
 * The channels that carry a survey: buttons (telegram, webchat), signed links (email), a numeric
 * reply (whatsapp, messenger, instagram, sms, viber, vk). See docs/surveys.md.
 */
export const SURVEY_CHANNELS: ReadonlySet<string> = new Set(Object.keys(SURVEY_STYLES));

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
  if (!(await withinReplyWindow(tx, conversation.channel as ChannelId, conversationId, resolvedAt))) return undefined;
  if ((await settleEarlierSurveys(tx, conversationId, resolvedAt)) === 'rated') return undefined;
  return createSurvey(tx, { conversationId, resolvedAt, settings });
}

/**
 * On WhatsApp, Messenger and Instagram a free-form message past the window after the
 * customer's last message is refused by the platform: a survey sent then would only fail (and
 * tell the agent a message failed), so none is opened. A template could carry it on WhatsApp;
 * we do not send surveys as templates.
 */
async function withinReplyWindow(tx: PoolClient, channel: ChannelId, conversationId: string, at: Date): Promise<boolean> {
  const hours = REPLY_WINDOW_HOURS[channel];
  if (!hours) return true;
  const last = await lastInboundAt(tx, conversationId);
  return last !== null && at.getTime() - last.getTime() <= hours * 3_600_000;
}
