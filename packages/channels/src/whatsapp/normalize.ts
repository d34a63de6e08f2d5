import type { DeliveryState, InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../contract.ts';
import { compact } from '../shared/compact.ts';
import { extractContent } from './content.ts';
import { WaMessage, WaStatus, WaValue, WaWebhook, type WaContact, type WaError } from './wire.ts';

type Value = ReturnType<typeof WaValue.parse>;

/**
 * WhatsApp Cloud API webhook → InboundEvent[]. Customer messages, edits, deletions (revoke),
 * reactions and statuses of our sends; group messages, system notices (number changes), echoes
 * of the business's own sends (`smb_message_echoes`) and other fields yield nothing. Changes
 * for another business number than the inbox's are skipped: they belong to another inbox. The
 * same message id twice in one webhook gives one event; event ids come from Meta's ids, so a
 * redelivery maps to the same event. Throws PayloadError when the body is not a webhook.
 */
export function normalizeWhatsAppWebhook(raw: unknown, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const parsed = WaWebhook.safeParse(raw);
  if (!parsed.success || parsed.data.object !== 'whatsapp_business_account') {
    throw new PayloadError('not a WhatsApp Business Account webhook', { details: parsed.error?.issues.slice(0, 10) });
  }
  const ownNumber = (inbox.config as { phoneNumberId?: string } | null)?.phoneNumberId;
  const events = new Map<string, InboundEvent>();
  for (const entry of parsed.data.entry) {
    for (const change of entry.changes) {
      if (change.field !== 'messages') continue;
      const value = parseOrThrow(WaValue, change.value, 'change value');
      const number = value.metadata?.phone_number_id;
      if (ownNumber && number && number !== ownNumber) continue;
      const base = { inboxId: inbox.id, receivedAt: receivedAt.toISOString(), raw };
      for (const item of value.messages ?? []) {
        const event = messageEvent(parseOrThrow(WaMessage, item, 'message'), value, base);
        if (event && !events.has(event.eventId)) events.set(event.eventId, event);
      }
      for (const item of value.statuses ?? []) {
        const event = statusEvent(parseOrThrow(WaStatus, item, 'status'), base);
        if (event && !events.has(event.eventId)) events.set(event.eventId, event);
      }
    }
  }
  return [...events.values()];
}

type Base = Pick<InboundEvent, 'inboxId' | 'receivedAt' | 'raw'>;

function messageEvent(m: WaMessage, value: Value, base: Base): InboundEvent | undefined {
  if (m.group_id !== undefined) return undefined;
  // a user who hides their number is known only by a business-scoped user id (BSUID)
  const customer = m.from ?? m.from_user_id;
  if (!customer) throw new PayloadError(`message ${m.id} has neither from nor from_user_id`);
  // an echo of a message the business sent from the WhatsApp Business app (coexistence)
  if (digits(value.metadata?.display_phone_number) === customer) return undefined;
  const common = {
    ...base,
    eventId: `wa-${m.id}`,
    channel: 'whatsapp' as const,
    thread: { externalId: customer },
    sender: senderOf(m, customer, value.contacts ?? []),
    sentAt: unixToIso(m.timestamp, m.id),
  };
  switch (m.type) {
    case 'system':
      // user_changed_number and friends: not something the customer wrote
      return undefined;
    case 'reaction': {
      if (!m.reaction) throw new PayloadError(`reaction ${m.id} without a reaction object`);
      // an empty emoji means the reaction was removed
      return { ...common, type: 'reaction', externalMessageId: m.reaction.message_id, content: { attachments: [] }, reaction: { emoji: m.reaction.emoji || null } };
    }
    case 'edit': {
      if (!m.edit) throw new PayloadError(`edit ${m.id} without an edit object`);
      return { ...common, type: 'message_edited', externalMessageId: m.edit.original_message_id, content: extractContent(m.edit.message) };
    }
    case 'revoke': {
      if (!m.revoke) throw new PayloadError(`revoke ${m.id} without a revoke object`);
      return { ...common, type: 'message_deleted', externalMessageId: m.revoke.original_message_id, content: { attachments: [] } };
    }
    default: {
      const content = extractContent(m);
      const replyTo = m.context?.id;
      return {
        ...common,
        type: 'message',
        externalMessageId: m.id,
        thread: { ...common.thread, ...(replyTo ? { replyToExternalId: replyTo } : {}) },
        content: isEmpty(content) ? { ...content, text: placeholder(m.type, m.errors) } : content,
      };
    }
  }
}

const STATES: Record<string, DeliveryState> = { sent: 'sent', delivered: 'delivered', read: 'read', played: 'read', failed: 'failed' };

const isId = (id: string) => id.length > 0 && id.length <= 512;

function statusEvent(s: WaStatus, base: Base): InboundEvent | undefined {
  const state = STATES[s.status];
  // statuses of group sends, and states we do not track (deleted, warning)
  if (!state || s.recipient_type === 'group') return undefined;
  const recipient = s.recipient_id ?? s.recipient_user_id ?? 'unknown';
  // ids InboundEvent cannot carry (empty, over 512 characters) are not Meta's
  if (!isId(s.id) || !isId(recipient)) throw new PayloadError('a status with an invalid message or recipient id');
  const error = state === 'failed' && s.errors?.length ? s.errors.map(describeError).join('; ').slice(0, 2000) : undefined;
  return {
    ...base,
    eventId: `wa-st-${s.id}-${s.status}`,
    channel: 'whatsapp',
    type: 'delivery_status',
    externalMessageId: s.id,
    thread: { externalId: recipient },
    sender: { externalId: recipient },
    content: { attachments: [] },
    status: compact({ externalMessageId: s.id, state, error }),
    sentAt: /^\d{1,12}$/.test(s.timestamp) && Number(s.timestamp) <= MAX_ISO_SECONDS ? new Date(Number(s.timestamp) * 1000).toISOString() : base.receivedAt,
  };
}

/** "User's number is part of an experiment (130472): Failed to send message because …" */
export function describeError(e: WaError): string {
  const title = e.title ?? e.message ?? 'error';
  const details = e.error_data?.details;
  return `${title} (${e.code})${details && details !== title ? `: ${details}` : ''}`;
}

function senderOf(m: WaMessage, customer: string, contacts: readonly WaContact[]): InboundEvent['sender'] {
  const contact =
    contacts.find((c) => (m.from !== undefined && c.wa_id === m.from) || (m.from_user_id !== undefined && c.user_id === m.from_user_id)) ??
    (contacts.length === 1 ? contacts[0] : undefined);
  return compact({
    externalId: customer,
    // InboundEvent's limits: only a forged profile is longer
    name: contact?.profile?.name?.slice(0, 512) || undefined,
    username: contact?.profile?.username?.slice(0, 256) || undefined,
    phone: m.from && /^\d{5,20}$/.test(m.from) ? `+${m.from}` : undefined,
  });
}

function isEmpty(content: InboundEvent['content']): boolean {
  return content.text === undefined && content.attachments.length === 0 && !content.location && !content.contactCard;
}

/** What an agent sees for a message type we cannot show (unsupported, order without text, ...). */
function placeholder(type: string, errors: readonly WaError[] | undefined): string {
  if (type === 'unsupported') return `[unsupported message${errors?.[0] ? `: ${describeError(errors[0])}` : ''}]`;
  return `[${type} message]`;
}

// 9999-12-31T23:59:59Z: later times print as +YYYYYY, not ISO 8601 as InboundEvent reads it
const MAX_ISO_SECONDS = 253_402_300_799;

function unixToIso(seconds: string, id: string): string {
  // Meta sends a string of unix seconds; anything else is not a webhook we can trust to order
  if (!/^\d{1,12}$/.test(seconds) || Number(seconds) > MAX_ISO_SECONDS) throw new PayloadError(`message ${id} has an invalid timestamp`);
  return new Date(Number(seconds) * 1000).toISOString();
}

function digits(phone: string | undefined): string | undefined {
  const d = phone?.replace(/\D/g, '');
  return d || undefined;
}

function parseOrThrow<T>(schema: { safeParse(v: unknown): { success: true; data: T } | { success: false; error: { issues: unknown[] } } }, value: unknown, what: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new PayloadError(`invalid WhatsApp ${what}`, { details: result.error.issues.slice(0, 10) });
  return result.data;
}
