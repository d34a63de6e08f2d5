import { z } from 'zod';

/**
 * The subset of Meta's messaging webhooks (Messenger `object: page`, Instagram `object:
 * instagram`) we read. Objects are loose: Meta adds fields often and an unknown one must not
 * reject a webhook. Ids arrive as strings; a number (after `parseJsonLossless`, a string when
 * beyond 2^53) is turned into its decimal string.
 */
/** Send API text limit for Messenger (CHANNELS.md: 2000 characters). */
export const MESSENGER_MAX_TEXT_LENGTH = 2000;

export const MetaId = z.union([z.string().min(1), z.number().int()]).transform((id) => String(id));

/** Epoch milliseconds in real payloads; the dashboard "Test" button sends seconds as a string; chatwoot's fixtures ISO strings. */
export const MetaTime = z.union([z.number(), z.string().min(1)]);

const Party = z.looseObject({ id: MetaId });

export const MetaAttachment = z.looseObject({
  type: z.string(),
  payload: z
    .looseObject({
      url: z.string().optional(),
      title: z.string().optional(),
      sticker_id: MetaId.optional(),
      coordinates: z.looseObject({ lat: z.number(), long: z.number() }).optional(),
    })
    .nullish(),
  title: z.string().optional(),
  url: z.string().optional(),
});
export type MetaAttachment = z.infer<typeof MetaAttachment>;

export const MetaMessage = z.looseObject({
  mid: MetaId,
  text: z.string().optional(),
  is_echo: z.boolean().optional(),
  is_deleted: z.boolean().optional(),
  is_unsupported: z.boolean().optional(),
  quick_reply: z.looseObject({ payload: z.string().optional() }).optional(),
  reply_to: z
    .looseObject({
      mid: MetaId.optional(),
      /** An Instagram story reply: the story's id and a CDN url that expires. */
      story: z.looseObject({ id: MetaId.optional(), url: z.string().optional() }).optional(),
    })
    .optional(),
  attachments: z.array(MetaAttachment).optional(),
});
export type MetaMessage = z.infer<typeof MetaMessage>;

export const MetaMessagingEvent = z.looseObject({
  sender: Party,
  recipient: Party,
  timestamp: MetaTime.optional(),
  message: MetaMessage.optional(),
  message_edit: z.looseObject({ mid: MetaId, text: z.string().optional(), num_edit: z.number().int().optional() }).optional(),
  delivery: z.looseObject({ mids: z.array(MetaId).optional(), watermark: MetaTime.optional() }).optional(),
  read: z.looseObject({ mid: MetaId.optional(), watermark: MetaTime.optional() }).optional(),
  reaction: z
    .looseObject({ mid: MetaId, action: z.string().optional(), reaction: z.string().optional(), emoji: z.string().optional() })
    .optional(),
  postback: z.looseObject({ mid: MetaId.optional(), title: z.string().optional(), payload: z.string().optional() }).optional(),
});
export type MetaMessagingEvent = z.infer<typeof MetaMessagingEvent>;

export const MetaWebhook = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: MetaId,
      time: MetaTime.optional(),
      messaging: z.array(MetaMessagingEvent).optional(),
      /** Handover protocol: events of threads another app owns (CHANNELS.md, Messenger). */
      standby: z.array(MetaMessagingEvent).optional(),
    }),
  ),
});
export type MetaWebhook = z.infer<typeof MetaWebhook>;

/** What the Graph API answers on failure: `{"error":{message,type,code,error_subcode,is_transient,fbtrace_id}}`. */
export const GraphErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.number().int().optional(),
    error_subcode: z.number().int().optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type GraphErrorBody = z.infer<typeof GraphErrorBody>;

/** The Send API's answer: `{recipient_id, message_id, attachment_id?}`. */
export const SendApiResult = z.looseObject({ recipient_id: MetaId.optional(), message_id: MetaId, attachment_id: MetaId.optional() });
