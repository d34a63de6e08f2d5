import type { FastifyInstance } from 'fastify';
import { CallbackFormRequest, OfflineFormRequest } from '@switchboard/channels';
import type { InboundEvent } from '@switchboard/contracts';
import { getInbox, type Pool } from '@switchboard/db';
import { HttpError } from '@switchboard/errors';
import { jobIdFor, type Producer } from '@switchboard/queue';
import { parseOr400 } from './errors.ts';
import type { WebchatInbox, WebchatInboxes } from './inboxes.ts';
import { inboxFor, visitorOf } from './visitor-request.ts';

export interface FormRouteDeps {
  pool: Pool;
  producer: Producer;
  inboxes: WebchatInboxes;
}

/** Subject of the first mail when an offline message is answered by email. */
export const OFFLINE_SUBJECT = 'Your message from our website';

/**
 * The two forms besides the chat: "call me back" (a conversation of kind `callback`, routed on
 * voice capacity) and the offline form (a message left while nobody is online, answered by email
 * when the inbox links an email inbox). Both need a visitor token, so rate limits and the origin
 * check apply, and both are idempotent by the client's request id.
 */
export function registerFormRoutes(app: FastifyInstance, deps: FormRouteDeps): void {
  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/callbacks', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    if (!inbox.config.callbacks) throw new HttpError(403, 'callbacks_disabled', 'this inbox does not take callback requests');
    const form = parseOr400(CallbackFormRequest, req.body ?? {}, 'body');
    const at = new Date().toISOString();
    const when = form.preferredTime ? `, ${form.preferredTime}` : '';
    const event: InboundEvent = {
      eventId: `wc-cb-${visitor.visitorId}-${form.clientRequestId}`,
      inboxId: inbox.id,
      channel: 'webchat',
      type: 'callback_request',
      externalMessageId: `${visitor.visitorId}:cb-${form.clientRequestId}`,
      // each request is a call to make: its own conversation, not a turn of the visitor's chat
      thread: { externalId: `cb-${visitor.visitorId}-${form.clientRequestId}` },
      sender: { externalId: visitor.visitorId, name: form.name, phone: form.phone },
      content: {
        text: `Please call me back: ${form.name}, ${form.phone}${when}${form.note ? `\n${form.note}` : ''}`,
        attachments: [],
        contactCard: { name: form.name, phone: form.phone },
      },
      callback: { phone: form.phone, ...(form.preferredTime && { preferredTime: form.preferredTime }), ...(form.note && { note: form.note }) },
      sentAt: at,
      receivedAt: at,
      raw: form,
    };
    await deps.producer.add('inbound', event, { jobId: jobIdFor(event.inboxId, event.eventId) });
    return reply.code(202).send({ accepted: true, clientRequestId: form.clientRequestId });
  });

  app.post<{ Params: { inboxId: string } }>('/webchat/:inboxId/offline', async (req, reply) => {
    const inbox = await inboxFor(deps.inboxes, req, reply);
    const visitor = visitorOf(req, inbox);
    const form = parseOr400(OfflineFormRequest, req.body ?? {}, 'body');
    // email first (it threads back reliably), then SMS for a phone-only message, else the chat itself
    const emailInboxId = form.email ? await linkedInbox(deps.pool, inbox.config.offlineEmailInboxId, 'email') : undefined;
    const smsInboxId = !emailInboxId && form.phone ? await linkedInbox(deps.pool, inbox.config.offlineSmsInboxId, 'sms') : undefined;
    const event = emailInboxId
      ? offlineByEmail(inbox, emailInboxId, visitor.visitorId, form)
      : smsInboxId
        ? offlineBySms(inbox, smsInboxId, visitor.visitorId, form)
        : offlineInChat(inbox, visitor.visitorId, form);
    await deps.producer.add('inbound', event, { jobId: jobIdFor(event.inboxId, event.eventId) });
    const answeredBy = emailInboxId ? 'email' : smsInboxId ? 'sms' : 'chat';
    return reply.code(202).send({ accepted: true, clientMessageId: form.clientMessageId, answeredBy });
  });
}

/** The linked inbox, if the admin configured one and it still is of that channel. */
async function linkedInbox(pool: Pool, id: string | undefined, channel: 'email' | 'sms'): Promise<string | undefined> {
  if (!id) return undefined;
  const linked = await getInbox(pool, id);
  return linked?.channel === channel ? linked.id : undefined;
}

/**
 * A message for the email inbox: agents answer it as any mail, and the customer's reply threads
 * back by our Message-ID or reply token. Its id is no Message-ID, so our first mail has no
 * In-Reply-To to a mail that never existed.
 */
function offlineByEmail(inbox: WebchatInbox, emailInboxId: string, visitorId: string, form: OfflineFormRequest): InboundEvent {
  const at = new Date().toISOString();
  const id = `webchat-offline:${inbox.id}:${visitorId}:${form.clientMessageId}`;
  return {
    eventId: `wc-off-${visitorId}-${form.clientMessageId}`,
    inboxId: emailInboxId,
    channel: 'email',
    type: 'message',
    externalMessageId: id,
    thread: { externalId: id },
    sender: { externalId: form.email!.toLowerCase(), name: form.name, email: form.email!, ...(form.phone && { phone: form.phone }) },
    content: { text: form.message, attachments: [] },
    sentAt: at,
    receivedAt: at,
    raw: { subject: OFFLINE_SUBJECT, source: 'webchat-offline', webchatInboxId: inbox.id, visitorId, form },
  };
}

/**
 * A message for the SMS inbox: the customer's number is the thread, as for an SMS they sent, so
 * the agent's reply goes out by SMS and their answer continues the conversation.
 */
function offlineBySms(inbox: WebchatInbox, smsInboxId: string, visitorId: string, form: OfflineFormRequest): InboundEvent {
  const at = new Date().toISOString();
  const phone = smsAddress(form.phone!);
  return {
    eventId: `wc-off-${visitorId}-${form.clientMessageId}`,
    inboxId: smsInboxId,
    channel: 'sms',
    type: 'message',
    externalMessageId: `webchat-offline:${inbox.id}:${visitorId}:${form.clientMessageId}`,
    thread: { externalId: phone },
    sender: { externalId: phone, name: form.name, phone },
    content: { text: form.message, attachments: [] },
    sentAt: at,
    receivedAt: at,
    raw: { source: 'webchat-offline', webchatInboxId: inbox.id, visitorId, form },
  };
}

/** A number as SMS providers address it: `+` and digits (spaces, dots, dashes and brackets dropped). */
export function smsAddress(phone: string): string {
  const digits = phone.replace(/[^\d]/g, '');
  return phone.trim().startsWith('+') ? `+${digits}` : digits;
}

/** Without an email or SMS inbox: a web-chat message the agent answers in the widget or by phone. */
function offlineInChat(inbox: WebchatInbox, visitorId: string, form: OfflineFormRequest): InboundEvent {
  const at = new Date().toISOString();
  return {
    eventId: `wc-${visitorId}-${form.clientMessageId}`,
    inboxId: inbox.id,
    channel: 'webchat',
    type: 'message',
    externalMessageId: `${visitorId}:${form.clientMessageId}`,
    thread: { externalId: visitorId },
    sender: { externalId: visitorId, name: form.name, ...(form.email && { email: form.email }), ...(form.phone && { phone: form.phone }) },
    content: { text: form.message, attachments: [] },
    sentAt: at,
    receivedAt: at,
    raw: { source: 'webchat-offline', form },
  };
}
