import { PermanentError } from '@switchboard/errors';
import type { OutboundFile, OutboundMessage, Sender } from '../contract.ts';
import { splitText } from '../shared/split-text.ts';
import { classifyTelegramError } from './classify.ts';
import { surveyMarkup } from './survey-data.ts';
import { telegramClient, type TelegramClientOptions } from './client.ts';
import { TELEGRAM_MAX_TEXT_LENGTH } from './wire.ts';

export type TelegramSenderDeps = TelegramClientOptions;

/**
 * Sends agent replies with telegraf's API client. A text longer than 4096 characters goes out
 * as several messages in order, then each file as a photo or document; the result names the last one. Throws what `classifyTelegramError`
 * returns. A retry after a failure part-way through a long text resends the earlier parts.
 */
export function createTelegramSender(deps: TelegramSenderDeps = {}): Sender {
  return async (msg, inbox) => {
    const chunks = splitText(msg.text ?? '', TELEGRAM_MAX_TEXT_LENGTH);
    const files = msg.files ?? [];
    if (chunks.length === 0 && files.length === 0) throw new PermanentError('empty_message', 'Telegram cannot send a message without text or a file');
    const telegram = telegramClient(inbox, deps);
    const replyTo = replyMessageId(msg);
    // only the first message answers the customer's; the original may have been deleted
    // meanwhile: send anyway rather than fail with 400
    let extra: object = replyTo !== undefined ? { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } } : {};
    let last: { message_id: number; date: number } | undefined;
    const sendOne = async (call: () => Promise<{ message_id: number; date: number }>) => {
      try {
        last = await call();
      } catch (error) {
        throw classifyTelegramError(error);
      }
      extra = {};
    };
    // every file is read before anything is sent: a missing one fails the reply without a half-sent text
    const contents = await Promise.all(files.map((file) => file.read()));
    // a survey's buttons go on its last text part, the one the customer reads last
    const keyboard = msg.survey ? { reply_markup: surveyMarkup(msg.survey) } : {};
    for (const [index, text] of chunks.entries()) {
      const markup = index === chunks.length - 1 ? keyboard : {};
      await sendOne(() => telegram.sendMessage(msg.recipientExternalId, text, { ...extra, ...markup }));
    }
    for (const [index, file] of files.entries()) {
      const input = { source: contents[index]!, filename: file.fileName };
      await sendOne(() =>
        sendsAsPhoto(file)
          ? telegram.sendPhoto(msg.recipientExternalId, input, extra)
          : telegram.sendDocument(msg.recipientExternalId, input, extra),
      );
    }
    const sent = last!;
    return {
      // the chat part is the id we sent to, not result.chat.id, which telegraf parsed with
      // JSON.parse; it matches the `${chat.id}:${message_id}` keys of inbound messages
      externalMessageId: `${msg.recipientExternalId}:${sent.message_id}`,
      sentAt: new Date(sent.date * 1000),
    };
  };
}

const PHOTO_TYPES = new Set(['image/jpeg', 'image/png', 'image/webp']);
/** sendPhoto takes JPEG/PNG/WebP up to 10 MB and recompresses them; anything else goes as a document, byte for byte. */
const MAX_PHOTO_BYTES = 10 * 1024 * 1024;

function sendsAsPhoto(file: OutboundFile): boolean {
  return PHOTO_TYPES.has(file.contentType) && file.size <= MAX_PHOTO_BYTES;
}

/** `${chat.id}:${message_id}` → message_id, when it refers to this recipient's chat. */
function replyMessageId(msg: OutboundMessage): number | undefined {
  const ref = msg.replyToExternalId;
  if (!ref) return undefined;
  const separator = ref.lastIndexOf(':');
  const chat = ref.slice(0, separator);
  const id = Number(ref.slice(separator + 1));
  if (separator < 0 || chat !== msg.recipientExternalId || !Number.isSafeInteger(id) || id <= 0) return undefined;
  return id;
}
