import { PermanentError, RetryableError } from '@switchboard/errors';
import type { InboxContext, OutboundFile, Sender } from '../contract.ts';
import { parseJsonLossless } from '../shared/lossless-json.ts';
import { splitText } from '../shared/split-text.ts';
import { MetaMessagingSecrets } from './adapter.ts';
import { classifyMetaNetworkError, classifyMetaSendError } from './classify.ts';
import { MESSENGER_MAX_TEXT_LENGTH, SendApiResult } from './wire.ts';

export interface MetaSenderDeps {
  /** Graph API root; tests point it at a fake. Default https://graph.facebook.com (Instagram-login apps: https://graph.instagram.com). */
  apiRoot?: string;
  /** Graph API version path segment. Default v23.0. */
  version?: string;
  fetch?: typeof globalThis.fetch;
  /** Per call. Default 30 s. */
  timeoutMs?: number;
}

export type MessengerSenderDeps = MetaSenderDeps;

export const DEFAULT_GRAPH_API_ROOT = 'https://graph.facebook.com';
export const DEFAULT_GRAPH_API_VERSION = 'v23.0';

/** The Send API attachment type of a file: Meta knows image, video, audio and file. */
function attachmentType(file: OutboundFile): 'image' | 'video' | 'audio' | 'file' {
  if (file.kind === 'image' || file.kind === 'sticker') return 'image';
  if (file.kind === 'video') return 'video';
  if (file.kind === 'audio' || file.kind === 'voice') return 'audio';
  return 'file';
}

/**
 * A Send API sender for one Meta messaging product: `POST {apiRoot}/{version}/me/messages` with the
 * inbox's page token (`me` is the page the token belongs to), `messaging_type: RESPONSE` (a
 * reply within the 24-hour window). A text over `maxTextLength` goes as several messages, then
 * each file as its own message, uploaded as multipart `filedata`. The result names the last one.
 */
export function createMetaSendApiSender(channel: string, maxTextLength: number, deps: MetaSenderDeps = {}): Sender {
  const root = (deps.apiRoot ?? DEFAULT_GRAPH_API_ROOT).replace(/\/+$/, '');
  const url = `${root}/${deps.version ?? DEFAULT_GRAPH_API_VERSION}/me/messages`;
  const fetchImpl = deps.fetch ?? globalThis.fetch;
  const timeoutMs = deps.timeoutMs ?? 30_000;

  async function call(token: string, body: string | FormData): Promise<string> {
    let res: Response;
    try {
      res = await fetchImpl(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, ...(typeof body === 'string' && { 'content-type': 'application/json' }) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (error) {
      throw classifyMetaNetworkError(channel, error);
    }
    const text = await res.text().catch(() => '');
    const json = safeJson(text);
    if (!res.ok) throw classifyMetaSendError(channel, { status: res.status, body: json, retryAfter: res.headers.get('retry-after') });
    const result = SendApiResult.safeParse(json);
    if (!result.success) throw new RetryableError('unexpected_response', `${channel} Send API answered ${res.status} without a message_id`);
    return result.data.message_id;
  }

  return async (msg, inbox) => {
    const token = tokenOf(inbox);
    const chunks = splitText(msg.text ?? '', maxTextLength);
    const files = msg.files ?? [];
    if (chunks.length === 0 && files.length === 0) throw new PermanentError('empty_message', `${channel} cannot send a message without text or a file`);
    const recipient = JSON.stringify({ id: msg.recipientExternalId });
    // every file is read before anything is sent: a missing one fails the reply without a half-sent text
    const contents = await Promise.all(files.map((file) => file.read()));
    let last = '';
    for (const text of chunks) {
      last = await call(token, JSON.stringify({ recipient: { id: msg.recipientExternalId }, messaging_type: 'RESPONSE', message: { text } }));
    }
    for (const [index, file] of files.entries()) {
      const form = new FormData();
      form.append('recipient', recipient);
      form.append('messaging_type', 'RESPONSE');
      form.append('message', JSON.stringify({ attachment: { type: attachmentType(file), payload: { is_reusable: false } } }));
      form.append('filedata', new Blob([new Uint8Array(contents[index]!)], { type: file.contentType }), file.fileName);
      last = await call(token, form);
    }
    return { externalMessageId: last, sentAt: new Date() };
  };
}

/** Messenger replies: the Send API with the 2000-character text limit. */
export function createMessengerSender(deps: MessengerSenderDeps = {}): Sender {
  return createMetaSendApiSender('messenger', MESSENGER_MAX_TEXT_LENGTH, deps);
}

/** Egress keeps senders of every channel in one map, so the secrets arrive untyped. */
function tokenOf(inbox: InboxContext): string {
  const token = MetaMessagingSecrets.shape.pageAccessToken.safeParse((inbox.secrets as { pageAccessToken?: unknown } | null)?.pageAccessToken);
  if (!token.success) throw new PermanentError('channel_auth_failed', 'the inbox has no valid page access token');
  return token.data;
}

function safeJson(text: string): unknown {
  try {
    return parseJsonLossless(text);
  } catch {
    return undefined;
  }
}
