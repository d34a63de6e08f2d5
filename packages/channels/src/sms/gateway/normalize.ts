import { createHash } from 'node:crypto';
import type { DeliveryState, InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../../contract.ts';
import { compact } from '../../shared/compact.ts';
import { param, phoneOf } from '../twilio/normalize.ts';
import { AndroidGatewayEvent, GatewayMessage, GatewayStatus, type SmsPayload } from '../wire.ts';

const ANDROID_STATES: Record<string, DeliveryState> = { 'sms:sent': 'sent', 'sms:delivered': 'delivered', 'sms:failed': 'failed' };

interface Inbound {
  id: string;
  from: string;
  text: string;
  sentAt?: string | undefined;
}

/**
 * A gateway webhook → events: our contract's `{id, from, to?, text, receivedAt?}` message or
 * `{id, status, error?}` report, capcom6/android-sms-gateway's `{event, payload}` envelope, or a
 * form post with `from|sender`, `text`, `date|time`, `id?` (Kannel-style gateways).
 */
export function normalizeGatewayPayload(payload: SmsPayload, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  if (payload.kind === 'form') return fromForm(payload.params, inbox, receivedAt);
  const body = payload.body;
  if (typeof body === 'object' && body !== null && 'event' in body) return fromAndroid(body, inbox, receivedAt);
  if (typeof body === 'object' && body !== null && 'status' in body) {
    const parsed = GatewayStatus.safeParse(body);
    if (!parsed.success) throw new PayloadError('not a gateway status report', { details: parsed.error.issues.slice(0, 10) });
    const { id, status, error } = parsed.data;
    return [statusEvent(inbox, id, status === 'undelivered' ? 'failed' : status, error, receivedAt)];
  }
  const parsed = GatewayMessage.safeParse(body);
  if (!parsed.success) throw new PayloadError('not a gateway message', { details: parsed.error.issues.slice(0, 10) });
  return messageEvent(inbox, { ...parsed.data, sentAt: parsed.data.receivedAt && isoRange(parsed.data.receivedAt) ? parsed.data.receivedAt : undefined }, receivedAt, body);
}

function fromAndroid(body: object, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const parsed = AndroidGatewayEvent.safeParse(body);
  if (!parsed.success) throw new PayloadError('not an Android SMS gateway event', { details: parsed.error.issues.slice(0, 10) });
  const { event, payload } = parsed.data;
  const state = ANDROID_STATES[event];
  if (state) {
    if (!payload.messageId) throw new PayloadError(`${event} without payload.messageId`);
    return [statusEvent(inbox, payload.messageId, state, state === 'failed' ? payload.reason ?? 'failed' : undefined, receivedAt)];
  }
  // system:ping, sms:data-received, mms:* carry no text for an agent
  if (event !== 'sms:received') return [];
  if (!payload.messageId || !payload.phoneNumber || payload.message === undefined) {
    throw new PayloadError('sms:received without messageId, phoneNumber or message');
  }
  const sentAt = payload.receivedAt && isoRange(payload.receivedAt) ? payload.receivedAt : undefined;
  return messageEvent(inbox, { id: payload.messageId, from: payload.phoneNumber, text: payload.message, sentAt }, receivedAt, body);
}

function fromForm(params: Record<string, string | string[]>, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const from = param(params, 'from') ?? param(params, 'sender');
  const text = param(params, 'text');
  if (!from || text === undefined) throw new PayloadError('a gateway form post needs from (or sender) and text');
  const date = param(params, 'date') ?? param(params, 'time');
  const sentAt = date && isoRange(date) ? date : undefined;
  // without an id, a redelivery is recognised only when the gateway sends a date
  const id = param(params, 'id') ?? `h${createHash('sha256').update(`${from}\n${sentAt ?? receivedAt.toISOString()}\n${text}`).digest('hex').slice(0, 32)}`;
  return messageEvent(inbox, { id, from, text, sentAt }, receivedAt, params);
}

/** A time from 1970 to 9999: later ones print as +YYYYYY (not ISO 8601 as InboundEvent reads it), earlier ones are bogus. */
function isoRange(date: string): boolean {
  const ms = Date.parse(date);
  return ms >= 0 && ms <= 253_402_300_799_999;
}

function messageEvent(inbox: InboxContext, m: Inbound, receivedAt: Date, raw: unknown): InboundEvent[] {
  if (m.text.trim() === '') return [];
  return [
    {
      eventId: `gateway-${m.id}`,
      inboxId: inbox.id,
      channel: inbox.channel,
      type: 'message',
      externalMessageId: m.id,
      thread: { externalId: m.from },
      sender: compact({ externalId: m.from, phone: phoneOf(m.from) }),
      content: { text: m.text, attachments: [] },
      sentAt: new Date(m.sentAt ?? receivedAt).toISOString(),
      receivedAt: receivedAt.toISOString(),
      raw,
    },
  ];
}

function statusEvent(inbox: InboxContext, id: string, state: DeliveryState, error: string | undefined, receivedAt: Date): InboundEvent {
  const at = receivedAt.toISOString();
  return {
    eventId: `gateway-${id}-${state}`,
    inboxId: inbox.id,
    channel: inbox.channel,
    type: 'delivery_status',
    externalMessageId: id,
    thread: { externalId: id },
    sender: { externalId: id },
    content: { attachments: [] },
    status: compact({ externalMessageId: id, state, error }),
    sentAt: at,
    receivedAt: at,
    raw: { id, state, ...(error && { error }) },
  };
}
