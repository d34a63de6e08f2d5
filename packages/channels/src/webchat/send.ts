import { PermanentError, RetryableError } from '@switchboard/errors';
import type { Sender } from '../contract.ts';
import { webchatFileUrl, type WebchatPush, type WebchatWireMessage } from './wire.ts';

export interface WebchatSenderDeps {
  /** Publishes to a pub/sub channel (Redis PUBLISH); resolves with the number of subscribers. */
  publish: (channel: string, payload: string) => Promise<number>;
}

/** The pub/sub channel the webchat ingress subscribes to for one visitor's open sockets. */
export function webchatChannelName(inboxId: string, visitorId: string): string {
  return `sb-webchat-${inboxId}-${visitorId}`;
}

/**
 * Pushes agent replies to the visitor's sockets. Zero subscribers is still a success: the
 * message is stored and the widget re-syncs from the last message id when it reconnects.
 */
export function createWebchatSender(deps: WebchatSenderDeps): Sender {
  return async (msg, inbox) => {
    const files = msg.files ?? [];
    if (!msg.text && files.length === 0) throw new PermanentError('empty_message', 'web chat cannot send a message without text or a file');
    const sentAt = new Date();
    const message: WebchatWireMessage = {
      id: msg.messageId,
      seq: msg.seq ?? null,
      conversationId: msg.conversationId,
      direction: 'out',
      text: msg.text,
      createdAt: sentAt.toISOString(),
      clientMessageId: null,
      // the widget downloads each file from ingress-webchat with the visitor's token
      attachments: files.map((f) => ({ fileName: f.fileName, contentType: f.contentType, size: f.size, url: webchatFileUrl(inbox.id, f.blobKey) })),
    };
    // a survey is its question (shown as a message, also in history) plus the rating row
    const push: WebchatPush = msg.survey
      ? { type: 'survey', message, survey: { id: msg.survey.id, asks: [...msg.survey.asks], acceptsComment: msg.survey.acceptsComment, expiresAt: msg.survey.expiresAt } }
      : { type: 'message', message };
    try {
      await deps.publish(webchatChannelName(inbox.id, msg.recipientExternalId), JSON.stringify(push));
    } catch (error) {
      throw new RetryableError('publish_failed', 'could not publish the web-chat message', { cause: error });
    }
    return { externalMessageId: `out-${msg.messageId}`, sentAt };
  };
}
