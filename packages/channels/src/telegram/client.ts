import { PermanentError } from '@switchboard/errors';
import { Telegram } from 'telegraf';
import type { InboxContext } from '../contract.ts';
import { TelegramSecrets } from './adapter.ts';

export interface TelegramClientOptions {
  /** Bot API root; tests point it at a fake server. Default https://api.telegram.org */
  apiRoot?: string;
  /**
   * A Bot API call not answered within this long is abandoned and retried (telegraf's own limit
   * is 500 s, long enough for one hung connection to hold a conversation's replies for minutes).
   * Default 30 s.
   */
  timeoutMs?: number;
}

export const DEFAULT_API_ROOT = 'https://api.telegram.org';
export const DEFAULT_TIMEOUT_MS = 30_000;

/** A telegraf API client for one inbox's bot, every call bounded by the timeout. */
export function telegramClient(inbox: InboxContext, options: TelegramClientOptions): Telegram {
  // telegraf resolves `./bot<token>/<method>` against apiRoot: without a trailing slash the
  // last path segment of apiRoot (e.g. a reverse-proxy prefix) would be dropped
  const telegram = new Telegram(botTokenOf(inbox), { apiRoot: withTrailingSlash(options.apiRoot ?? DEFAULT_API_ROOT), webhookReply: false });
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const callApi = telegram.callApi.bind(telegram);
  // an AbortError past the timeout, classified as a network error
  telegram.callApi = ((method, payload, callOptions = {}) =>
    callApi(method, payload, { signal: AbortSignal.timeout(timeoutMs) as never, ...callOptions })) as typeof telegram.callApi;
  return telegram;
}

/** Egress keeps senders of every channel in one map, so the secrets arrive untyped. */
export function botTokenOf(inbox: InboxContext): string {
  const token = TelegramSecrets.shape.botToken.safeParse((inbox.secrets as { botToken?: unknown } | null)?.botToken);
  if (!token.success) throw new PermanentError('channel_auth_failed', 'the inbox has no valid Telegram bot token');
  return token.data;
}

export function withTrailingSlash(url: string): string {
  return url.endsWith('/') ? url : `${url}/`;
}
