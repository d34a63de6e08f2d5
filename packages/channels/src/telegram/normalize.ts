import type { Attachment, Content, InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import { compact } from '../shared/compact.ts';
import type { InboxContext } from '../contract.ts';
import { decodeSurveyCallback } from './survey-data.ts';
import { Update, type TelegramCallbackQuery, type TelegramMessage, type TelegramUpdate } from './wire.ts';

/** Parses a Telegram Update; throws PayloadError when it is not one. */
export function parseTelegramUpdate(raw: unknown): TelegramUpdate {
  const parsed = Update.safeParse(raw);
  if (!parsed.success) {
    throw new PayloadError('not a Telegram Update', { details: parsed.error.issues.slice(0, 10) });
  }
  return parsed.data;
}

/**
 * Telegram Update → InboundEvent[]. Only private-chat messages and their edits are customer
 * messages, and a survey button press a `survey_answer`; groups, channels, reactions, member
 * changes, other callback queries and service messages yield []. `raw` should come from
 * `parseJsonLossless` so ids stay exact.
 */
export function normalizeTelegramUpdate(raw: unknown, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const update = parseTelegramUpdate(raw);
  if (update.callback_query) return surveyAnswerOf(update.callback_query, raw, inbox, receivedAt);
  const edited = update.edited_message !== undefined;
  const message = update.message ?? update.edited_message;
  if (message === undefined || message.chat.type !== 'private') return [];
  const content = extractContent(message);
  // nothing we can show an agent: a service message (pinned, payment, web_app_data, ...) or a dice/poll/game
  if (content.text === undefined && content.attachments.length === 0 && !content.location && !content.contactCard) {
    return [];
  }
  const chatId = message.chat.id;
  const key = `${chatId}:${message.message_id}`;
  const editDate = message.edit_date ?? message.date;
  const replyTo = message.reply_to_message;
  return [
    {
      // message identity, not update_id: an edit arrives under a new update_id but must not
      // collide with the original, and a redelivered update must map to the same id
      eventId: edited ? `tg-${chatId}-${message.message_id}-e${editDate}` : `tg-${chatId}-${message.message_id}`,
      inboxId: inbox.id,
      channel: 'telegram',
      type: edited ? 'message_edited' : 'message',
      externalMessageId: key,
      thread: {
        externalId: chatId,
        ...(replyTo ? { replyToExternalId: `${chatId}:${replyTo.message_id}` } : {}),
      },
      sender: senderOf(message),
      content,
      sentAt: unixToIso(edited ? editDate : message.date),
      platformOrder: message.message_id,
      receivedAt: receivedAt.toISOString(),
      raw,
    },
  ];
}

/**
 * A survey button press → `survey_answer`. The chat is the one the keyboard message is in (the
 * router accepts the answer only from the survey's own chat); a press has no date of its own.
 */
function surveyAnswerOf(query: TelegramCallbackQuery, raw: unknown, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const pressed = query.data === undefined ? undefined : decodeSurveyCallback(query.data);
  const chat = query.message?.chat;
  if (!pressed || chat?.type !== 'private') return [];
  const name = [query.from.first_name, query.from.last_name].filter(Boolean).join(' ');
  return [
    {
      eventId: `tg-cb-${query.id}`,
      inboxId: inbox.id,
      channel: 'telegram',
      type: 'survey_answer',
      externalMessageId: `cb:${query.id}`,
      thread: { externalId: chat.id },
      sender: compact({ externalId: query.from.id, name: name.slice(0, 512) || undefined, username: query.from.username?.slice(0, 256) || undefined }),
      content: { attachments: [] },
      survey: { surveyId: pressed.surveyId, [pressed.kind]: pressed.score },
      sentAt: receivedAt.toISOString(),
      receivedAt: receivedAt.toISOString(),
      raw,
    },
  ];
}

/** The id of a callback query in this update, which must be answered (answerCallbackQuery) whatever it was. */
export function callbackQueryIdOf(raw: unknown): string | undefined {
  const parsed = Update.safeParse(raw);
  return parsed.success ? parsed.data.callback_query?.id : undefined;
}

function senderOf(message: TelegramMessage): InboundEvent['sender'] {
  // in a private chat chat.id == from.id; the chat also carries the names if `from` is absent
  const who = message.from ?? message.chat;
  const name = [who.first_name, who.last_name].filter(Boolean).join(' ');
  return compact({
    externalId: who.id,
    // InboundEvent's limits; Telegram's own are far lower, so only a forged update is cut
    name: name.slice(0, 512) || undefined,
    username: who.username?.slice(0, 256) || undefined,
    locale: message.from?.language_code || undefined,
  });
}

interface FileLike {
  file_id: string;
  file_size?: number;
  mime_type?: string;
  file_name?: string;
  width?: number;
  height?: number;
}

function extractContent(m: TelegramMessage): Content {
  const attachments: Attachment[] = [];
  const add = (kind: Attachment['kind'], f: FileLike) =>
    attachments.push(
      compact({ kind, externalId: f.file_id, mimeType: f.mime_type, fileName: f.file_name, size: f.file_size, width: f.width, height: f.height }),
    );

  const largest = m.photo?.reduce((a, b) => (b.width * b.height >= a.width * a.height ? b : a));
  if (largest) add('image', largest);
  if (m.sticker) add('sticker', { ...m.sticker, mime_type: stickerMime(m.sticker) });
  if (m.animation) add('video', m.animation);
  // an animation message also carries `document` for old clients: one attachment, not two
  else if (m.document) add('document', m.document);
  if (m.video) add('video', m.video);
  if (m.video_note) add('video', m.video_note);
  if (m.voice) add('voice', m.voice);
  if (m.audio) add('audio', m.audio);

  const text = m.text || m.caption || m.sticker?.emoji || undefined;
  // a venue message also carries `location`; the venue adds its name and address
  const place = m.venue?.location ?? m.location;
  const contact = m.contact;
  return compact({
    text,
    attachments,
    location: place && compact({ latitude: place.latitude, longitude: place.longitude, name: m.venue?.title, address: m.venue?.address }),
    contactCard: contact && {
      name: [contact.first_name, contact.last_name].filter(Boolean).join(' '),
      phone: contact.phone_number,
    },
  });
}

function stickerMime(sticker: { is_animated?: boolean | undefined; is_video?: boolean | undefined }): string {
  // https://core.telegram.org/stickers: animated = gzipped Lottie (.tgs), video = WEBM, else WEBP
  if (sticker.is_animated) return 'application/x-tgsticker';
  return sticker.is_video ? 'video/webm' : 'image/webp';
}

function unixToIso(seconds: number): string {
  // past 9999 toISOString prints +YYYYYY (not ISO 8601 as InboundEvent reads it) or throws RangeError; before 1970 is bogus
  if (seconds < 0 || seconds > 253_402_300_799) throw new PayloadError(`a Telegram date out of range: ${seconds}`);
  return new Date(seconds * 1000).toISOString();
}

/**
 * The user id when this update says a private-chat user blocked the bot (`my_chat_member`
 * with new status `kicked`), so the contact can be marked unreachable; otherwise undefined.
 */
export function isBotBlockedUpdate(raw: unknown): string | undefined {
  const parsed = Update.safeParse(raw);
  const change = parsed.success ? parsed.data.my_chat_member : undefined;
  if (change?.chat.type !== 'private' || change.new_chat_member.status !== 'kicked') return undefined;
  return change.from.id;
}
