import { z } from 'zod';
import { ChannelId } from './channels.ts';
import { SurveyAnswer } from './surveys.ts';

/** Platform ids are strings: several platforms use integers beyond 2^53. */
const Id = z.string().min(1).max(512);

export const Attachment = z.object({
  kind: z.enum(['image', 'video', 'audio', 'voice', 'document', 'sticker', 'other']),
  /** The platform's handle to fetch it (Telegram file_id, Meta media id, ...). */
  externalId: z.string().optional(),
  url: z.string().optional(),
  mimeType: z.string().optional(),
  fileName: z.string().optional(),
  size: z.number().int().nonnegative().optional(),
  width: z.number().int().optional(),
  height: z.number().int().optional(),
  /** An inline image's Content-ID (without brackets): the HTML names it as `cid:<contentId>`. */
  contentId: z.string().optional(),
  /** Why the file itself is not available (e.g. `attachment_too_large`); the metadata is kept. */
  note: z.string().optional(),
});
export type Attachment = z.infer<typeof Attachment>;

/** The attachment kind a MIME type suggests: image/video/audio by its top-level type, else document. */
export function attachmentKindOf(contentType: string): Attachment['kind'] {
  const type = contentType.split('/')[0];
  return type === 'image' ? 'image' : type === 'video' ? 'video' : type === 'audio' ? 'audio' : 'document';
}

export const Content = z.object({
  text: z.string().max(100_000).optional(),
  html: z.string().max(1_000_000).optional(),
  attachments: z.array(Attachment).max(50).default([]),
  location: z.object({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() }).optional(),
  contactCard: z.object({ name: z.string().optional(), phone: z.string().optional(), email: z.string().optional() }).optional(),
});
export type Content = z.infer<typeof Content>;

export const DeliveryState = z.enum(['sent', 'delivered', 'read', 'failed']);
export type DeliveryState = z.infer<typeof DeliveryState>;

export const CallbackRequest = z.object({
  phone: z.string().min(3).max(64),
  /** As the customer put it ("today after 6 pm") or an ISO time; agents read it, nothing parses it. */
  preferredTime: z.string().max(200).optional(),
  note: z.string().max(2000).optional(),
});
export type CallbackRequest = z.infer<typeof CallbackRequest>;

export const InboundEventType = z.enum(['message', 'message_edited', 'message_deleted', 'reaction', 'delivery_status', 'callback_request', 'call', 'survey_answer']);

/**
 * The one shape every channel normalizes to. `eventId` is derived from the inbox and the
 * platform's identity of the event, so a redelivered webhook yields the same id.
 */
export const InboundEvent = z.object({
  eventId: z.string().min(1).max(200),
  inboxId: z.uuid(),
  channel: ChannelId,
  type: InboundEventType,
  externalMessageId: Id,
  thread: z.object({
    externalId: Id,
    replyToExternalId: Id.optional(),
    references: z.array(Id).max(100).optional(),
  }),
  sender: z.object({
    externalId: Id,
    name: z.string().max(512).optional(),
    username: z.string().max(256).optional(),
    email: z.string().max(320).optional(),
    phone: z.string().max(64).optional(),
    locale: z.string().max(35).optional(),
  }),
  content: Content,
  status: z
    .object({
      externalMessageId: Id,
      state: DeliveryState,
      error: z.string().max(2000).optional(),
      /**
       * A watermark receipt (Messenger `read.watermark`): every reply to this sender sent up to
       * this time has reached `state`; `externalMessageId` then only names the receipt.
       */
      upTo: z.iso.datetime({ offset: true }).optional(),
    })
    .optional(),
  /** A `reaction` to a message (`externalMessageId` names the message reacted to): not a message itself. */
  reaction: z.object({ emoji: z.string().max(64).nullable().describe('null: the reaction was removed') }).optional(),
  /** A `callback_request`: whom to call and when; it opens a conversation of kind `callback`. */
  callback: CallbackRequest.optional(),
  /** A `survey_answer` (a Telegram inline-keyboard press, ...): not a message; the router records it on the survey. */
  survey: SurveyAnswer.optional(),
  /** ISO-8601 times. */
  sentAt: z.iso.datetime({ offset: true }),
  /**
   * The platform's order of messages in the thread where it is finer than `sentAt` (Telegram's
   * per-chat message_id, while its dates are whole seconds): breaks ties in display order.
   */
  platformOrder: z.number().int().nonnegative().optional(),
  receivedAt: z.iso.datetime({ offset: true }),
  /** The platform payload, size-capped by the ingress, kept for audit. */
  raw: z.unknown(),
});
export type InboundEvent = z.infer<typeof InboundEvent>;
export type InboundEventInput = z.input<typeof InboundEvent>;
