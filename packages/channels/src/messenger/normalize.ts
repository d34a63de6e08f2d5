import { createHash } from 'node:crypto';
import type { InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { isEmpty, messageContent } from './content.ts';
import { MetaWebhook, type MetaMessagingEvent } from './wire.ts';

/** How one Meta messaging product differs in its webhooks. */
export interface MetaMessagingProfile {
  channel: 'messenger' | 'instagram';
  /** The envelope's `object`: `page` or `instagram`. */
  object: string;
  /** Prefix of event ids, so a Messenger mid and an Instagram mid never share one. */
  idPrefix: string;
}

export const MESSENGER_PROFILE: MetaMessagingProfile = { channel: 'messenger', object: 'page', idPrefix: 'fb' };

/** Parses a Meta messaging webhook; throws PayloadError when it is not one of `profile`'s. */
export function parseMetaWebhook(raw: unknown, profile: MetaMessagingProfile): MetaWebhook {
  const parsed = MetaWebhook.safeParse(raw);
  if (!parsed.success) throw new PayloadError(`not a ${profile.channel} webhook`, { details: parsed.error.issues.slice(0, 10) });
  if (parsed.data.object !== profile.object) throw new PayloadError(`a webhook for object "${parsed.data.object}", not "${profile.object}"`);
  return parsed.data;
}

/**
 * Meta messaging webhook → InboundEvent[], for the business account `accountId` (the page id,
 * or the Instagram account id). Events of `messaging[]` and `standby[]` (a thread another app
 * owns) alike. Dropped: echoes of our own sends, events addressed to another account, and
 * receipts that name no message (a bare `read.watermark`: see docs/channels/messenger.md).
 * The same event twice in one webhook yields one event.
 */
export function normalizeMetaMessaging(
  profile: MetaMessagingProfile,
  accountId: string,
  raw: unknown,
  inbox: InboxContext,
  receivedAt: Date,
): InboundEvent[] {
  const webhook = parseMetaWebhook(raw, profile);
  const events = new Map<string, InboundEvent>();
  for (const entry of webhook.entry) {
    for (const event of [...(entry.messaging ?? []), ...(entry.standby ?? [])]) {
      const sentAt = toIso(event.timestamp) ?? toIso(entry.time) ?? receivedAt.toISOString();
      for (const normalized of normalizeEvent(profile, accountId, event, inbox, sentAt, receivedAt)) {
        if (!events.has(normalized.eventId)) events.set(normalized.eventId, normalized);
      }
    }
  }
  return [...events.values()];
}

function normalizeEvent(
  profile: MetaMessagingProfile,
  accountId: string,
  event: MetaMessagingEvent,
  inbox: InboxContext,
  sentAt: string,
  receivedAt: Date,
): InboundEvent[] {
  const customer = event.sender.id;
  // an id InboundEvent cannot carry (empty, over 512 characters) is not a Meta id
  if (customer.length === 0 || customer.length > 512) throw new PayloadError('a messaging event with an invalid sender id');
  // echoes (is_echo, sent by the account itself) are our own sends or another tool's
  if (event.message?.is_echo || customer === accountId) return [];
  // the account the event is for: another page's event must not land in this inbox
  if (event.recipient.id !== accountId) return [];
  const p = profile.idPrefix;
  const base = {
    inboxId: inbox.id,
    channel: profile.channel,
    thread: { externalId: customer },
    sender: { externalId: customer },
    content: { attachments: [] },
    sentAt,
    receivedAt: receivedAt.toISOString(),
    raw: event,
  };
  const out: InboundEvent[] = [];
  const { message, message_edit: edit, reaction, delivery, read, postback } = event;

  if (message?.is_deleted) {
    out.push({ ...base, eventId: eventIdOf(p, message.mid, 'deleted'), type: 'message_deleted', externalMessageId: message.mid });
  } else if (message) {
    const content = messageContent(message);
    const replyTo = message.reply_to?.mid;
    if (!isEmpty(content)) {
      out.push({
        ...base,
        eventId: eventIdOf(p, message.mid),
        type: 'message',
        externalMessageId: message.mid,
        thread: replyTo ? { externalId: customer, replyToExternalId: replyTo } : base.thread,
        content,
      });
    }
  }
  if (edit) {
    out.push({
      ...base,
      eventId: eventIdOf(p, edit.mid, `e${edit.num_edit ?? Date.parse(sentAt)}`),
      type: 'message_edited',
      externalMessageId: edit.mid,
      content: { attachments: [], ...(edit.text !== undefined && { text: edit.text }) },
    });
  }
  if (reaction) {
    const removed = reaction.action === 'unreact';
    out.push({
      ...base,
      eventId: eventIdOf(p, reaction.mid, 'r', customer, String(Date.parse(sentAt)), removed ? 'off' : 'on'),
      type: 'reaction',
      externalMessageId: reaction.mid,
      reaction: { emoji: removed ? null : (reaction.emoji ?? reaction.reaction ?? null) },
    });
  }
  // receipts name our sent messages by mid, or cover everything sent to this customer up to a watermark
  for (const mid of delivery?.mids ?? []) out.push(statusEvent(base, p, mid, 'delivered'));
  if (!delivery?.mids?.length && delivery?.watermark !== undefined) out.push(watermarkEvent(base, p, customer, delivery.watermark, 'delivered'));
  if (read?.mid) out.push(statusEvent(base, p, read.mid, 'read'));
  else if (read?.watermark !== undefined) out.push(watermarkEvent(base, p, customer, read.watermark, 'read'));
  if (postback) {
    const text = postback.title || postback.payload;
    const mid = postback.mid ?? `postback-${customer}-${Date.parse(sentAt)}`;
    if (text) out.push({ ...base, eventId: eventIdOf(p, mid), type: 'message', externalMessageId: mid, content: { text, attachments: [] } });
  }
  return out;
}

type Base = Omit<InboundEvent, 'eventId' | 'type' | 'externalMessageId'>;

function statusEvent(base: Base, prefix: string, mid: string, state: 'delivered' | 'read'): InboundEvent {
  return { ...base, eventId: eventIdOf(prefix, mid, state), type: 'delivery_status', externalMessageId: mid, status: { externalMessageId: mid, state } };
}

/** A receipt without message ids: our replies to `customer` sent up to the watermark reached `state`. */
function watermarkEvent(base: Base, prefix: string, customer: string, watermark: number | string, state: 'delivered' | 'read'): InboundEvent {
  const upTo = toIso(watermark);
  const id = `watermark-${customer}-${String(watermark)}`;
  return { ...base, eventId: eventIdOf(prefix, id, state), type: 'delivery_status', externalMessageId: id, status: { externalMessageId: id, state, ...(upTo && { upTo }) } };
}

/** Stable for a redelivery; hashed when Meta's long mids would pass the 200-character limit. */
export function eventIdOf(prefix: string, ...parts: string[]): string {
  const id = [prefix, ...parts].join('-');
  if (id.length <= 200) return id;
  return `${prefix}-h${createHash('sha256').update(parts.join('\u0000')).digest('hex')}`;
}

// 9999-12-31T23:59:59.999Z: later times print as +YYYYYY, not ISO 8601 as InboundEvent reads it; before 1970 is bogus
const MAX_ISO_MS = 253_402_300_799_999;

/** Epoch ms (real payloads), epoch seconds (the dashboard test, as a string) or an ISO string → ISO. */
export function toIso(value: number | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const numeric = typeof value === 'number' ? value : /^\d+$/.test(value) ? Number(value) : undefined;
  const ms = numeric === undefined ? Date.parse(value as string) : numeric < 1e11 ? numeric * 1000 : numeric;
  return Number.isFinite(ms) && ms >= 0 && ms <= MAX_ISO_MS ? new Date(ms).toISOString() : undefined;
}

/** Messenger webhook (`object: page`) → InboundEvent[] for the inbox's page. */
export function normalizeMessengerWebhook(raw: unknown, inbox: InboxContext<{ pageId: string }>, receivedAt: Date): InboundEvent[] {
  return normalizeMetaMessaging(MESSENGER_PROFILE, inbox.config.pageId, raw, inbox, receivedAt);
}
