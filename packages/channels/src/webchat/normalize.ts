import type { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { compact } from '../shared/compact.ts';
import { WebchatInbound } from './wire.ts';

/**
 * One widget message → one InboundEvent. The widget sends no trustworthy clock, so sentAt is
 * the time the server received it. Throws PayloadError when `raw` is not a WebchatInbound.
 */
export function normalizeWebchatMessage(raw: unknown, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const parsed = WebchatInbound.safeParse(raw);
  if (!parsed.success) throw new PayloadError('not a web-chat message', { details: parsed.error.issues.slice(0, 10) });
  const { visitorId, visitor, message } = parsed.data;
  const at = receivedAt.toISOString();
  return [
    {
      eventId: `wc-${visitorId}-${message.clientMessageId}`,
      inboxId: inbox.id,
      channel: 'webchat',
      type: 'message',
      externalMessageId: `${visitorId}:${message.clientMessageId}`,
      thread: { externalId: visitorId },
      sender: compact({ externalId: visitorId, name: visitor?.name, email: visitor?.email, locale: visitor?.locale }),
      content: compact({ text: message.text, attachments: message.attachments }),
      sentAt: at,
      receivedAt: at,
      raw,
    },
  ];
}
