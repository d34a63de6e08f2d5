import type { Attachment, Content, InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { Update, type TelegramMessage, type TelegramUpdate } from './wire.ts';

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
 * messages; groups, channels, reactions, member changes, callback queries and service
 * messages yield []. `raw` should come from `parseJsonLossless` so ids stay exact.
 */
export function normalizeTelegramUpdate(raw: unknown, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const update = parseTelegramUpdate(raw);
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
      receivedAt: receivedAt.toISOString(),
      raw,
    },
  ];
}

function senderOf(message: TelegramMessage): InboundEvent['sender'] {
  // in a private chat chat.id == from.id; the chat also carries the names if `from` is absent
  const who = message.from ?? message.chat;
  const name = [who.first_name, who.last_name].filter((part) => part !== undefined && part !== '').join(' ');
  return {
    externalId: who.id,
    ...(name ? { name } : {}),
    ...(who.username ? { username: who.username } : {}),
    ...(message.from?.language_code ? { locale: message.from.language_code } : {}),
  };
}

function extractContent(m: TelegramMessage): Content {
  const attachments: Attachment[] = [];
  const file = (kind: Attachment['kind'], f: { file_id: string; file_size?: number | undefined; mime_type?: string | undefined; file_name?: string | undefined; width?: number | undefined; height?: number | undefined }) =>
    attachments.push(
      stripUndefined({
        kind,
        externalId: f.file_id,
        mimeType: f.mime_type,
        fileName: f.file_name,
        size: f.file_size,
        width: f.width,
        height: f.height,
      }),
    );

  const largest = m.photo?.reduce((a, b) => (b.width * b.height >= a.width * a.height ? b : a));
  if (largest) file('image', largest);
  if (m.sticker) file('sticker', { ...m.sticker, mime_type: stickerMime(m.sticker) });
  if (m.animation) file('video', m.animation);
  // an animation message also carries `document` for old clients: one attachment, not two
  else if (m.document) file('document', m.document);
  if (m.video) file('video', m.video);
  if (m.video_note) file('video', m.video_note);
  if (m.voice) file('voice', m.voice);
  if (m.audio) file('audio', m.audio);

  const text = m.text ?? m.caption ?? m.sticker?.emoji;
  const place = m.venue
    ? { ...m.venue.location, name: m.venue.title, address: m.venue.address }
    : m.location;
  const contact = m.contact;
  return {
    ...(text !== undefined && text !== '' ? { text } : {}),
    attachments,
    ...(place ? { location: { latitude: place.latitude, longitude: place.longitude, ...nameAndAddress(place) } } : {}),
    ...(contact
      ? {
          contactCard: {
            name: [contact.first_name, contact.last_name].filter(Boolean).join(' '),
            phone: contact.phone_number,
          },
        }
      : {}),
  };
}

function stickerMime(sticker: { is_animated?: boolean | undefined; is_video?: boolean | undefined }): string {
  // https://core.telegram.org/stickers: animated = gzipped Lottie (.tgs), video = WEBM, else WEBP
  if (sticker.is_animated) return 'application/x-tgsticker';
  return sticker.is_video ? 'video/webm' : 'image/webp';
}

function nameAndAddress(place: { name?: string; address?: string }): { name?: string; address?: string } {
  return stripUndefined({ name: place.name, address: place.address });
}

function stripUndefined<T extends Record<string, unknown>>(value: T): { [K in keyof T]: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as never;
}

function unixToIso(seconds: number): string {
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
