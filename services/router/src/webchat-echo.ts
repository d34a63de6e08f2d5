import type { InboundEvent } from '@switchboard/contracts';
import { webchatChannelName, webchatWireMessage, type WebchatPush } from '@switchboard/channels';
import type { Logger } from '@switchboard/log';

/** Publishes to a Redis pub/sub channel (ingress-webchat's sockets listen on it). */
export type Publish = (channel: string, payload: string) => Promise<number>;

/**
 * Tells every open tab of a web-chat visitor about a message the visitor just sent from one of
 * them, in its stored form (id, seq): other tabs show it live, the sending tab swaps its
 * optimistic bubble for it. Best effort: a tab that misses it re-syncs by seq on reconnect.
 */
export async function echoToVisitor(
  publish: Publish | undefined,
  logger: Logger,
  event: InboundEvent,
  stored: { conversationId: string; messageId: string; seq: number },
  at: Date,
): Promise<void> {
  if (!publish || event.channel !== 'webchat' || event.type !== 'message') return;
  const visitorId = event.sender.externalId;
  const push: WebchatPush = {
    type: 'message',
    message: webchatWireMessage(
      {
        id: stored.messageId,
        seq: stored.seq,
        conversationId: stored.conversationId,
        direction: 'in',
        text: event.content.text ?? null,
        createdAt: at,
        externalId: event.externalMessageId,
        attachments: event.content.attachments,
      },
      event.inboxId,
      visitorId,
    ),
  };
  try {
    await publish(webchatChannelName(event.inboxId, visitorId), JSON.stringify(push));
  } catch (error) {
    logger.warn({ err: error, messageId: stored.messageId }, 'could not echo the visitor message to their other tabs');
  }
}
