import { attachmentKindOf, type Attachment, type DeliveryState, type InboundEvent } from '@switchboard/contracts';
import { PayloadError } from '@switchboard/errors';
import type { InboxContext } from '../../contract.ts';
import { compact } from '../../shared/compact.ts';
import type { FormParams } from '../wire.ts';

/** Twilio allows up to 10 media per MMS. */
const MAX_MEDIA = 10;

/** MessageStatus → our delivery state; queued/accepted/sending/scheduled/receiving are not news. */
const STATES: Record<string, DeliveryState> = {
  sent: 'sent',
  delivered: 'delivered',
  read: 'read',
  undelivered: 'failed',
  failed: 'failed',
  canceled: 'failed',
};

/** The first value of a parameter (Twilio never repeats the ones we read). */
export function param(params: FormParams, key: string): string | undefined {
  const value = params[key];
  return Array.isArray(value) ? value[0] : value;
}

/**
 * A Twilio messaging webhook → events. An inbound SMS/MMS (or WhatsApp through Twilio: the
 * `whatsapp:`-prefixed address is kept as given, so replies go back the same way) is a message;
 * a status callback (`MessageStatus`) is a `delivery_status` of the message we sent. There is no
 * timestamp field: the receipt time is used.
 */
export function normalizeTwilioParams(params: FormParams, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const sid = param(params, 'MessageSid') ?? param(params, 'SmsSid') ?? param(params, 'SmsMessageSid');
  if (!sid) throw new PayloadError('a Twilio webhook without MessageSid');
  const status = param(params, 'MessageStatus') ?? param(params, 'SmsStatus');
  if (status !== undefined && status !== 'received') return statusEvent(params, sid, status, inbox, receivedAt);

  const from = param(params, 'From');
  if (!from) throw new PayloadError('a Twilio message without From');
  const text = param(params, 'Body') || undefined;
  const attachments = mediaOf(params);
  const location = locationOf(params);
  if (text === undefined && attachments.length === 0 && !location) return [];
  const replyTo = param(params, 'OriginalRepliedMessageSid');
  const at = receivedAt.toISOString();
  return [
    {
      eventId: `twilio-${sid}`,
      inboxId: inbox.id,
      channel: inbox.channel,
      type: 'message',
      externalMessageId: sid,
      thread: { externalId: from, ...(replyTo ? { replyToExternalId: replyTo } : {}) },
      sender: compact({ externalId: from, phone: phoneOf(from), name: param(params, 'ProfileName') || undefined }),
      // Body is literal text even when it looks like base64 (courier receiveBase64)
      content: compact({ text, attachments, location }),
      sentAt: at,
      receivedAt: at,
      raw: params,
    },
  ];
}

function statusEvent(params: FormParams, sid: string, status: string, inbox: InboxContext, receivedAt: Date): InboundEvent[] {
  const state = STATES[status];
  if (!state) return [];
  const errorCode = param(params, 'ErrorCode');
  const errorMessage = param(params, 'ErrorMessage');
  const error = state === 'failed' ? [errorCode ? `twilio_${errorCode}` : `twilio_${status}`, errorMessage].filter(Boolean).join(': ') : undefined;
  // the customer is the To of our message; a bare callback names only the sid
  const customer = param(params, 'To') || sid;
  const at = receivedAt.toISOString();
  return [
    {
      eventId: `twilio-${sid}-${status}`,
      inboxId: inbox.id,
      channel: inbox.channel,
      type: 'delivery_status',
      externalMessageId: sid,
      thread: { externalId: customer },
      sender: { externalId: customer },
      content: { attachments: [] },
      status: compact({ externalMessageId: sid, state, error }),
      sentAt: at,
      receivedAt: at,
      raw: params,
    },
  ];
}

function mediaOf(params: FormParams): Attachment[] {
  const count = Math.min(Number.parseInt(param(params, 'NumMedia') ?? '0', 10) || 0, MAX_MEDIA);
  const attachments: Attachment[] = [];
  for (let i = 0; i < count; i++) {
    const url = param(params, `MediaUrl${i}`);
    if (!url) continue;
    const mimeType = param(params, `MediaContentType${i}`);
    // the media URL is the handle: the fetcher downloads it with the account's credentials
    attachments.push(compact({ kind: attachmentKindOf(mimeType ?? 'application/octet-stream'), externalId: url, mimeType }));
  }
  return attachments;
}

/** WhatsApp through Twilio shares a location as Latitude/Longitude (+ Address, Label). */
function locationOf(params: FormParams): InboundEvent['content']['location'] {
  const latitude = Number(param(params, 'Latitude'));
  const longitude = Number(param(params, 'Longitude'));
  if (param(params, 'Latitude') === undefined || !Number.isFinite(latitude) || !Number.isFinite(longitude)) return undefined;
  return compact({ latitude, longitude, name: param(params, 'Label') || undefined, address: param(params, 'Address') || undefined });
}

/** The E.164 number of an address (`+1…` or `whatsapp:+1…`); undefined for WhatsApp user ids. */
export function phoneOf(address: string): string | undefined {
  const bare = address.startsWith('whatsapp:') ? address.slice('whatsapp:'.length) : address;
  return /^\+\d{6,15}$/.test(bare) ? bare : undefined;
}
