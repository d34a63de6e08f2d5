import { z } from 'zod';

/**
 * The subset of the WhatsApp Cloud API we read (webhooks, Graph responses). Objects are loose:
 * Meta adds fields often and an unknown one must not reject a webhook. Ids are strings on the
 * wire; numbers are accepted (a lossless parse may yield either) and become strings.
 */

/** Cloud API text limit for `text.body` and template/caption text. */
export const WHATSAPP_MAX_TEXT_LENGTH = 4096;
export const WHATSAPP_DEFAULT_API_VERSION = 'v21.0';
export const WHATSAPP_API_ROOT = 'https://graph.facebook.com';

const Id = z.union([z.string().min(1), z.number().int()]).transform((id) => String(id));

export const WaError = z.looseObject({
  code: z.number().int(),
  title: z.string().optional(),
  message: z.string().optional(),
  error_data: z.looseObject({ details: z.string().optional() }).optional(),
});
export type WaError = z.infer<typeof WaError>;

const Media = z.looseObject({
  id: Id,
  mime_type: z.string().optional(),
  sha256: z.string().optional(),
  caption: z.string().optional(),
  filename: z.string().optional(),
  voice: z.boolean().optional(),
  animated: z.boolean().optional(),
});
export type WaMedia = z.infer<typeof Media>;

const ContactCard = z.looseObject({
  name: z.looseObject({ formatted_name: z.string().optional(), first_name: z.string().optional(), last_name: z.string().optional() }).optional(),
  phones: z.array(z.looseObject({ phone: z.string().optional(), wa_id: z.string().optional() })).optional(),
  emails: z.array(z.looseObject({ email: z.string().optional() })).optional(),
});

/** The content part of a message: shared by `messages[]` and `edit.message`. */
const ContentFields = {
  type: z.string(),
  text: z.looseObject({ body: z.string() }).optional(),
  image: Media.optional(),
  video: Media.optional(),
  audio: Media.optional(),
  document: Media.optional(),
  sticker: Media.optional(),
  location: z
    .looseObject({ latitude: z.number(), longitude: z.number(), name: z.string().optional(), address: z.string().optional() })
    .optional(),
  contacts: z.array(ContactCard).optional(),
  interactive: z
    .looseObject({
      type: z.string(),
      button_reply: z.looseObject({ id: z.string(), title: z.string() }).optional(),
      list_reply: z.looseObject({ id: z.string(), title: z.string(), description: z.string().optional() }).optional(),
      nfm_reply: z.looseObject({ body: z.string().optional(), name: z.string().optional(), response_json: z.string().optional() }).optional(),
    })
    .optional(),
  button: z.looseObject({ text: z.string(), payload: z.string().optional() }).optional(),
  order: z.looseObject({ text: z.string().optional(), product_items: z.array(z.unknown()).optional() }).optional(),
};

export const WaMessage = z.looseObject({
  ...ContentFields,
  id: Id,
  /** wa_id (phone digits, no '+'); absent for users known only by a business-scoped user id. */
  from: Id.optional(),
  from_user_id: z.string().optional(),
  from_parent_user_id: z.string().optional(),
  /** Unix seconds as a string; validated where it is used (courier has a sample with "asdf"). */
  timestamp: z.union([z.string(), z.number()]).transform((t) => String(t)),
  group_id: Id.optional(),
  context: z
    .looseObject({ id: z.string().optional(), from: z.string().optional(), forwarded: z.boolean().optional(), frequently_forwarded: z.boolean().optional() })
    .optional(),
  reaction: z.looseObject({ message_id: z.string(), emoji: z.string().optional() }).optional(),
  edit: z.looseObject({ original_message_id: z.string(), message: z.looseObject(ContentFields) }).optional(),
  revoke: z.looseObject({ original_message_id: z.string() }).optional(),
  system: z.looseObject({ body: z.string().optional(), wa_id: z.string().optional(), type: z.string().optional() }).optional(),
  errors: z.array(WaError).optional(),
});
export type WaMessage = z.infer<typeof WaMessage>;
export type WaContent = Pick<WaMessage, keyof typeof ContentFields>;

export const WaStatus = z.looseObject({
  id: z.string(),
  status: z.string(),
  timestamp: z.union([z.string(), z.number()]).transform((t) => String(t)),
  recipient_id: z.string().optional(),
  recipient_user_id: z.string().optional(),
  recipient_type: z.string().optional(),
  errors: z.array(WaError).optional(),
});
export type WaStatus = z.infer<typeof WaStatus>;

export const WaContact = z.looseObject({
  wa_id: Id.optional(),
  user_id: z.string().optional(),
  profile: z.looseObject({ name: z.string().optional(), username: z.string().optional() }).optional(),
});
export type WaContact = z.infer<typeof WaContact>;

export const WaValue = z.looseObject({
  messaging_product: z.string().optional(),
  metadata: z.looseObject({ phone_number_id: Id, display_phone_number: z.string().optional() }).optional(),
  contacts: z.array(WaContact).optional(),
  messages: z.array(z.unknown()).optional(),
  statuses: z.array(z.unknown()).optional(),
});

export const WaWebhook = z.looseObject({
  object: z.string(),
  entry: z.array(
    z.looseObject({
      id: Id.optional(),
      changes: z.array(z.looseObject({ field: z.string(), value: z.unknown() })).default([]),
    }),
  ),
});
export type WaWebhook = z.infer<typeof WaWebhook>;

/** A Graph API failure: `{ error: { message, type, code, error_subcode?, error_data?, fbtrace_id } }`. */
export const GraphErrorBody = z.looseObject({
  error: z.looseObject({
    message: z.string().default(''),
    type: z.string().optional(),
    code: z.number().int(),
    error_subcode: z.number().int().optional(),
    error_data: z.looseObject({ details: z.string().optional() }).optional(),
    is_transient: z.boolean().optional(),
    fbtrace_id: z.string().optional(),
  }),
});
export type GraphErrorBody = z.infer<typeof GraphErrorBody>;

/** POST /{phone-number-id}/messages → the id of what was sent. */
export const SendResponse = z.looseObject({
  messages: z.array(z.looseObject({ id: z.string().min(1) })).min(1),
});

/** POST /{phone-number-id}/media → the uploaded file's media id. */
export const UploadResponse = z.looseObject({ id: Id });

/** GET /{media-id} → where to download it (a short-lived URL that still needs the token). */
export const MediaInfo = z.looseObject({
  url: z.url(),
  mime_type: z.string().optional(),
  file_size: z.union([z.number().int(), z.string().regex(/^\d+$/)]).transform((n) => Number(n)).optional(),
  sha256: z.string().optional(),
});
