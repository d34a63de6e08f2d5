import { z } from 'zod';
import { Attachment, canonicalLocale, MAX_LOCALE_LENGTH } from '@switchboard/contracts';
import { VisitorId } from './visitor-token.ts';

/** Widget protocol limits; the ingress also caps the request body size. */
export const WEBCHAT_MAX_TEXT_LENGTH = 10_000;

const ClientId = z.string().regex(/^[A-Za-z0-9_-]{1,100}$/);

/**
 * POST a visitor message. `clientMessageId` makes the send idempotent: a retry reuses it.
 * `text` or `attachments` (upload tokens from POST uploads) is required; the ingress checks that.
 */
export const VisitorMessageRequest = z.object({
  clientMessageId: ClientId,
  text: z
    .string()
    .min(1)
    .max(WEBCHAT_MAX_TEXT_LENGTH)
    .refine((text) => text.trim().length > 0, 'text must not be blank')
    .optional(),
  attachments: z.array(z.string().min(1).max(2000)).max(10).default([]),
});
export type VisitorMessageRequest = z.infer<typeof VisitorMessageRequest>;

/**
 * The visitor's stated locale (the site's `data-locale`, else `navigator.language`): kept in
 * canonical BCP 47 form when it parses, dropped when it does not (it only ever informs the
 * contact's country, so a browser's oddity must not refuse the message).
 */
export const VisitorLocale = z
  .string()
  .max(MAX_LOCALE_LENGTH)
  .transform((tag) => canonicalLocale(tag));

/** POST a session: the visitor may introduce themselves; all fields are optional. */
export const VisitorSessionRequest = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
  locale: VisitorLocale.optional(),
});

/** A logged-in user of the site, signed by the site's server: `signature` = hex HMAC-SHA256(identitySecret, userId). */
export const VisitorIdentity = z.object({
  userId: z.string().min(1).max(200),
  signature: z.string().regex(/^[0-9a-fA-F]{64}$/, 'must be the hex HMAC-SHA256 of userId'),
  name: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
});
export type VisitorIdentity = z.infer<typeof VisitorIdentity>;

/** "Call me back": whom to call and when. */
export const CallbackFormRequest = z.object({
  clientRequestId: ClientId,
  name: z.string().trim().min(1).max(200),
  phone: z.string().trim().regex(/^\+?[0-9 ()./-]{5,30}$/, 'must be a phone number'),
  preferredTime: z.string().trim().min(1).max(200).optional(),
  note: z.string().trim().min(1).max(2000).optional(),
});
export type CallbackFormRequest = z.infer<typeof CallbackFormRequest>;

/** The offline form: nobody is online, so the customer leaves a message and how to answer them. */
export const OfflineFormRequest = z
  .object({
    clientMessageId: ClientId,
    name: z.string().trim().min(1).max(200),
    email: z.email().max(320).optional(),
    phone: z.string().trim().regex(/^\+?[0-9 ()./-]{5,30}$/, 'must be a phone number').optional(),
    message: z.string().min(1).max(WEBCHAT_MAX_TEXT_LENGTH).refine((t) => t.trim().length > 0, 'must not be blank'),
  })
  .refine((form) => form.email !== undefined || form.phone !== undefined, { path: ['email'], message: 'email or phone is required' });
export type OfflineFormRequest = z.infer<typeof OfflineFormRequest>;
export type VisitorSessionRequest = z.infer<typeof VisitorSessionRequest>;

/** What the webchat ingress hands to `normalize`: the authenticated visitor plus the request body. */
export const WebchatInbound = z.object({
  visitorId: VisitorId,
  visitor: z.object({ name: z.string().max(512).optional(), email: z.string().max(320).optional(), locale: VisitorLocale.optional() }).optional(),
  message: z
    .object({
      clientMessageId: ClientId,
      text: z.string().min(1).max(WEBCHAT_MAX_TEXT_LENGTH).optional(),
      /** Files the visitor uploaded, already in the blob store (resolved from upload tokens by the ingress). */
      attachments: z.array(Attachment).max(10).default([]),
    })
    .refine((m) => m.text !== undefined || m.attachments.length > 0, { path: ['text'], message: 'text or attachments required' }),
});
export type WebchatInbound = z.infer<typeof WebchatInbound>;
export type WebchatInboundInput = z.input<typeof WebchatInbound>;

/** A file as the widget shows it: `url` is relative to ingress-webchat; the widget appends `?token=`. */
export interface WebchatFile {
  fileName: string;
  contentType: string;
  size: number;
  url: string;
}

export function webchatFileUrl(inboxId: string, blobKey: string): string {
  return `/webchat/${inboxId}/files/${blobKey}`;
}

/** A message as the widget shows it, in history pages and in pushes. */
export interface WebchatWireMessage {
  id: string;
  seq: number | null;
  conversationId?: string;
  /** `in`: the visitor's own (another tab's, or this one's stored form); `out`: an agent's. */
  direction: 'in' | 'out';
  text: string | null;
  createdAt: string;
  /** The visitor's own messages: the id their widget gave it, to replace its optimistic bubble. */
  clientMessageId: string | null;
  attachments: WebchatFile[];
  /**
   * History pages only: the survey this message asks, while it can still be answered, so a
   * visitor who reloads (or polls without a WebSocket) still gets the rating row.
   */
  survey?: WebchatSurvey;
}

/** A CSAT/NPS survey as the widget renders it: a rating row per score asked. */
export interface WebchatSurvey {
  id: string;
  asks: ('csat' | 'nps')[];
  acceptsComment: boolean;
  /** ISO 8601: `POST /webchat/:inboxId/survey` answers 409 after this. */
  expiresAt: string;
}

/**
 * Pushed to the visitor's pub/sub channel: a message (an agent's reply, or the visitor's own
 * from another tab), an agent typing, or a survey (its question as a message, and what to rate).
 */
export type WebchatPush =
  | { type: 'message'; message: WebchatWireMessage }
  | { type: 'typing'; typing: boolean }
  | { type: 'survey'; message: WebchatWireMessage; survey: WebchatSurvey };

/** The visitor's answer to a survey (`POST /webchat/:inboxId/survey`). */
export const VisitorSurveyAnswer = z.object({
  surveyId: z.uuid(),
  csat: z.number().int().min(1).max(5).optional(),
  nps: z.number().int().min(0).max(10).optional(),
  comment: z.string().trim().min(1).max(2000).optional(),
});
export type VisitorSurveyAnswer = z.infer<typeof VisitorSurveyAnswer>;

/**
 * A stored message as the visitor's widget sees it: files as download links (only those in our
 * blob store), and for the visitor's own messages the clientMessageId back from the
 * `visitorId:clientMessageId` the normalizer made its external id.
 */
export function webchatWireMessage(
  m: { id: string; seq: number | null; conversationId?: string; direction: 'in' | 'out'; text: string | null; createdAt: Date; externalId: string | null; attachments: readonly Attachment[] },
  inboxId: string,
  visitorId: string,
): WebchatWireMessage {
  const ownPrefix = `${visitorId}:`;
  return {
    id: m.id,
    seq: m.seq,
    ...(m.conversationId && { conversationId: m.conversationId }),
    direction: m.direction,
    text: m.text,
    createdAt: m.createdAt.toISOString(),
    clientMessageId: m.direction === 'in' && m.externalId?.startsWith(ownPrefix) ? m.externalId.slice(ownPrefix.length) : null,
    attachments: m.attachments.flatMap((a) =>
      a.externalId?.startsWith('blob:')
        ? [{ fileName: a.fileName ?? 'file', contentType: a.mimeType ?? 'application/octet-stream', size: a.size ?? 0, url: webchatFileUrl(inboxId, a.externalId.slice('blob:'.length)) }]
        : [],
    ),
  };
}
