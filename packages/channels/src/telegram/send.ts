import { PermanentError } from '@switchboard/errors';
import { Telegram } from 'telegraf';
import type { InboxContext, OutboundMessage, Sender } from '../contract.ts';
import { splitText } from '../shared/split-text.ts';
import { TelegramSecrets } from './adapter.ts';
import { classifyTelegramError } from './classify.ts';
import { TELEGRAM_MAX_TEXT_LENGTH } from './wire.ts';

export interface TelegramSenderDeps {
  /** Bot API root; tests point it at a fake server. Default https://api.telegram.org */
  apiRoot?: string;
}

/**
 * Sends agent replies with telegraf's API client. A text longer than 4096 characters goes out
 * as several messages in order; the result names the last one. Throws what `classifyTelegramError`
 * returns. A retry after a failure part-way through a long text resends the earlier parts.
 */
export function createTelegramSender(deps: TelegramSenderDeps = {}): Sender {
  // telegraf resolves `./bot<token>/<method>` against apiRoot: without a trailing slash the
  // last path segment of apiRoot (e.g. a reverse-proxy prefix) would be dropped
  const apiRoot = withTrailingSlash(deps.apiRoot ?? 'https://api.telegram.org');
  return async (msg, inbox) => {
    const chunks = splitText(msg.text ?? '', TELEGRAM_MAX_TEXT_LENGTH);
    if (chunks.length === 0) throw new PermanentError('empty_message', 'Telegram cannot send a message without text');
    const telegram = new Telegram(botTokenOf(inbox), { apiRoot, webhookReply: false });
    const replyTo = replyMessageId(msg);
    let last: { message_id: number; date: number } | undefined;
    for (const [index, text] of chunks.entries()) {
      const extra =
        index === 0 && replyTo !== undefined
          ? // the original may have been deleted meanwhile: send anyway rather than fail with 400
            { reply_parameters: { message_id: replyTo, allow_sending_without_reply: true } }
          : {};
      try {
        last = await telegram.sendMessage(msg.recipientExternalId, text, extra);
      } catch (error) {
        throw classifyTelegramError(error);
      }
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

/** Egress keeps senders of every channel in one map, so the secrets arrive untyped. */
function botTokenOf(inbox: InboxContext): string {
  const token = TelegramSecrets.shape.botToken.safeParse((inbox.secrets as { botToken?: unknown } | null)?.botToken);
  if (!token.success) throw new PermanentError('channel_auth_failed', 'the inbox has no valid Telegram bot token');
  return token.data;
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

function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
