import { z } from 'zod';
import { VisitorId } from './visitor-token.ts';

/** Widget protocol limits; the ingress also caps the request body size. */
export const WEBCHAT_MAX_TEXT_LENGTH = 10_000;

/** POST a visitor message. `clientMessageId` makes the send idempotent: a retry reuses it. */
export const VisitorMessageRequest = z.object({
  clientMessageId: z.string().regex(/^[A-Za-z0-9_-]{1,100}$/),
  text: z
    .string()
    .min(1)
    .max(WEBCHAT_MAX_TEXT_LENGTH)
    .refine((text) => text.trim().length > 0, 'text must not be blank'),
});
export type VisitorMessageRequest = z.infer<typeof VisitorMessageRequest>;

/** POST a session: the visitor may introduce themselves; both fields are optional. */
export const VisitorSessionRequest = z.object({
  name: z.string().trim().min(1).max(200).optional(),
  email: z.email().max(320).optional(),
});
export type VisitorSessionRequest = z.infer<typeof VisitorSessionRequest>;

/** What the webchat ingress hands to `normalize`: the authenticated visitor plus the request body. */
export const WebchatInbound = z.object({
  visitorId: VisitorId,
  visitor: z.object({ name: z.string().max(512).optional(), email: z.string().max(320).optional() }).optional(),
  message: VisitorMessageRequest,
});
export type WebchatInbound = z.infer<typeof WebchatInbound>;

/** Pushed to the visitor's pub/sub channel when an agent replies. */
export interface WebchatPush {
  type: 'message';
  message: { id: string; conversationId: string; text: string; createdAt: string };
}
