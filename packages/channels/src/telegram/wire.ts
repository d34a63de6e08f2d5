import { z } from 'zod';

/**
 * The subset of the Telegram Bot API we read (https://core.telegram.org/bots/api#update).
 * Objects are loose: Telegram adds fields often and unknown ones must not reject an update.
 * Ids are accepted as a number or, after `parseJsonLossless`, a string, and become strings.
 */
/** Bot API limit for sendMessage text (https://core.telegram.org/bots/api#sendmessage). */
export const TELEGRAM_MAX_TEXT_LENGTH = 4096;

export const TelegramId = z
  .union([z.number().int(), z.string().regex(/^-?\d+$/)])
  .transform((id) => String(id));

const FileRef = {
  file_id: z.string(),
  file_unique_id: z.string().optional(),
  file_size: z.number().int().nonnegative().optional(),
};

export const PhotoSize = z.looseObject({ ...FileRef, width: z.number().int(), height: z.number().int() });

const MediaFile = z.looseObject({
  ...FileRef,
  file_name: z.string().optional(),
  mime_type: z.string().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
});

export const Sticker = z.looseObject({
  ...FileRef,
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  emoji: z.string().optional(),
  is_animated: z.boolean().optional(),
  is_video: z.boolean().optional(),
});

export const Location = z.looseObject({ latitude: z.number(), longitude: z.number() });

export const User = z.looseObject({
  id: TelegramId,
  // optional: 2017-era payloads (courier fixtures) have no is_bot
  is_bot: z.boolean().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
  username: z.string().optional(),
  language_code: z.string().optional(),
});

export const Chat = z.looseObject({
  id: TelegramId,
  type: z.string(),
  title: z.string().optional(),
  username: z.string().optional(),
  first_name: z.string().optional(),
  last_name: z.string().optional(),
});

export const Message = z.looseObject({
  message_id: z.number().int(),
  date: z.number().int(),
  edit_date: z.number().int().optional(),
  chat: Chat,
  from: User.optional(),
  text: z.string().optional(),
  caption: z.string().optional(),
  photo: z.array(PhotoSize).optional(),
  document: MediaFile.optional(),
  animation: MediaFile.optional(),
  sticker: Sticker.optional(),
  voice: MediaFile.optional(),
  video: MediaFile.optional(),
  video_note: MediaFile.optional(),
  audio: MediaFile.extend({ title: z.string().optional(), performer: z.string().optional() }).optional(),
  contact: z
    .looseObject({ phone_number: z.string(), first_name: z.string(), last_name: z.string().optional() })
    .optional(),
  location: Location.optional(),
  venue: z.looseObject({ location: Location, title: z.string(), address: z.string() }).optional(),
  reply_to_message: z.looseObject({ message_id: z.number().int() }).optional(),
});
export type TelegramMessage = z.infer<typeof Message>;

export const ChatMemberUpdated = z.looseObject({
  chat: Chat,
  from: User,
  date: z.number().int(),
  new_chat_member: z.looseObject({ status: z.string() }),
});

/**
 * A press on an inline-keyboard button (https://core.telegram.org/bots/api#callbackquery).
 * `message` is absent for inline-mode messages; when too old it is an InaccessibleMessage
 * (`date` 0) that still names its chat.
 */
export const CallbackQuery = z.looseObject({
  id: z.string().min(1).max(200),
  from: User,
  message: z.looseObject({ message_id: z.number().int(), date: z.number().int(), chat: Chat }).optional(),
  chat_instance: z.string().optional(),
  data: z.string().optional(),
});
export type TelegramCallbackQuery = z.infer<typeof CallbackQuery>;

export const Update = z.looseObject({
  update_id: TelegramId,
  message: Message.optional(),
  edited_message: Message.optional(),
  my_chat_member: ChatMemberUpdated.optional(),
  callback_query: CallbackQuery.optional(),
});
export type TelegramUpdate = z.infer<typeof Update>;

/** What the Bot API answers on failure (https://core.telegram.org/bots/api#making-requests). */
export const ErrorBody = z.looseObject({
  ok: z.literal(false),
  error_code: z.number().int(),
  description: z.string().default(''),
  parameters: z
    .looseObject({ retry_after: z.number().optional(), migrate_to_chat_id: TelegramId.optional() })
    .optional(),
});
export type TelegramErrorBody = z.infer<typeof ErrorBody>;
