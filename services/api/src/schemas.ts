import { z } from 'zod';
import { ChannelId, ENABLED_CHANNELS } from '@switchboard/contracts';
import { CALLBACK_OUTCOMES, CONVERSATION_KINDS, CONVERSATION_STATUSES, MESSAGE_STATUSES, PRESENCE, ROLES } from '@switchboard/db';

/**
 * Request and response shapes. Responses are whitelists: the serializer drops any field not
 * listed here, so a column added to a repository query never leaks by accident.
 * Dates are `z.date()`: serialized as ISO strings and documented as `date-time`.
 */

export const IdParams = z.object({ id: z.uuid() });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable machine-readable code; alert and branch on it'),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({ id: 'Error' });

export const EnabledChannel = z.enum(ENABLED_CHANNELS);

export const AgentDto = z
  .object({
    id: z.uuid(),
    name: z.string(),
    email: z.string().nullable(),
    role: z.enum(ROLES),
    status: z.enum(PRESENCE),
    capacity: z.record(z.string(), z.number().int()).describe('concurrent conversations per channel'),
    createdAt: z.date(),
  })
  .meta({ id: 'Agent' });

export const QueueDto = z
  .object({ id: z.uuid(), name: z.string(), strategy: z.string(), memberIds: z.array(z.uuid()), createdAt: z.date() })
  .meta({ id: 'Queue' });

export const InboxDto = z
  .object({
    id: z.uuid(),
    channel: ChannelId,
    name: z.string(),
    config: z.record(z.string(), z.unknown()),
    defaultQueueId: z.uuid().nullable(),
    createdAt: z.date(),
    webhookUrl: z.string().optional().describe('telegram: the URL to pass to setWebhook; whatsapp, messenger, instagram, sms: the callback URL to give the platform'),
    webchatUrl: z.string().optional().describe('webchat: where the widget for this inbox is served'),
  })
  .meta({ id: 'Inbox' });

export const CreatedInboxDto = InboxDto.extend({
  webhookSecret: z.string().optional().describe('telegram: setWebhook secret_token; shown only in this response'),
  verifyToken: z.string().optional().describe("whatsapp, messenger, instagram: the webhook's verify token for Meta's dashboard; shown only in this response"),
}).meta({ id: 'CreatedInbox' });

export const ConversationDto = z
  .object({
    id: z.uuid(),
    inboxId: z.uuid(),
    contactId: z.uuid(),
    channel: z.string(),
    status: z.enum(CONVERSATION_STATUSES),
    routingState: z.enum(['unrouted', 'queued', 'offered', 'assigned', 'closed']),
    queueId: z.uuid().nullable(),
    priority: z.number().int(),
    enqueuedAt: z.date().nullable(),
    assigneeId: z.uuid().nullable(),
    lastMessageAt: z.date().nullable(),
    version: z.number().int(),
    createdAt: z.date(),
    updatedAt: z.date(),
    resolvedAt: z.date().nullable(),
    kind: z.enum(CONVERSATION_KINDS).describe('callback: a "call me back" request, routed on voice capacity'),
    callback: z
      .object({
        phone: z.string(),
        preferredTime: z.string().optional(),
        note: z.string().optional(),
        requestedAt: z.string(),
        outcome: z.enum(CALLBACK_OUTCOMES).optional(),
        outcomeNote: z.string().optional(),
        completedAt: z.string().optional(),
        completedBy: z.uuid().nullable().optional(),
      })
      .nullable(),
    contact: z.object({ id: z.uuid(), name: z.string().nullable(), email: z.string().nullable(), phone: z.string().nullable() }),
    labels: z.array(z.string()).describe('lowercase tags, sorted; filter with ?label='),
  })
  .meta({ id: 'Conversation' });

export const MessageDto = z
  .object({
    id: z.uuid(),
    conversationId: z.uuid(),
    seq: z.number().int(),
    direction: z.enum(['in', 'out']),
    authorAgentId: z.uuid().nullable(),
    authorContactId: z.uuid().nullable(),
    isPrivate: z.boolean(),
    text: z.string().nullable(),
    // inbound rows also carry locations and contact cards here, so keep this loose
    attachments: z.array(z.looseObject({ kind: z.string() })),
    externalId: z.string().nullable(),
    replyToExternalId: z.string().nullable(),
    status: z.enum(MESSAGE_STATUSES),
    errorCode: z.string().nullable(),
    errorMessage: z.string().nullable(),
    sentAt: z.date().nullable(),
    editedAt: z.date().nullable(),
    deletedAt: z.date().nullable().describe('the customer deleted it on the platform; the text is kept'),
    template: z.object({ name: z.string(), language: z.string(), parameters: z.array(z.string()).optional() }).nullable(),
    createdAt: z.date(),
  })
  .meta({ id: 'Message' });

export const UploadDto = z
  .object({
    id: z.uuid().describe('pass in `attachments` of a reply or note to this conversation'),
    conversationId: z.uuid(),
    fileName: z.string(),
    contentType: z.string(),
    size: z.number().int(),
    sha256: z.string().describe('the blob key; the file is downloadable at /conversations/{id}/attachments/{sha256} once a message carries it'),
    createdAt: z.date(),
  })
  .meta({ id: 'Upload' });

/** A conversation label: letters, digits, `_`, `-`, `:` and `.`, compared lowercase. */
export const Label = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[\p{L}\p{N}][\p{L}\p{N}_\-:.]{0,49}$/u, 'a label: up to 50 letters, digits, _ - : . (starting with a letter or digit)');

/** Error responses for a route's documentation (and serialization) by status code. */
export function errorResponses(...statuses: (400 | 401 | 403 | 404 | 409 | 413 | 422)[]): Record<number, typeof ErrorBody> {
  return Object.fromEntries([401, ...statuses].map((s) => [s, ErrorBody]));
}

// outbound webhooks (routes/webhooks.ts)
export const WebhookDto = z
  .object({
    id: z.uuid(),
    url: z.string(),
    events: z.array(z.string()).describe('event types delivered; ["*"] for every type'),
    enabled: z.boolean(),
    failingSince: z.date().nullable().describe('first failed attempt since the last success'),
    lastSuccessAt: z.date().nullable(),
    disabledAt: z.date().nullable(),
    disabledReason: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Webhook' });

export const CreatedWebhookDto = WebhookDto.extend({
  secret: z.string().describe('the signing secret; shown only in this response'),
}).meta({ id: 'CreatedWebhook' });

export const WebhookDeliveryDto = z
  .object({
    id: z.uuid().describe('the X-Switchboard-Delivery header; the same on every attempt and replay'),
    eventId: z.string(),
    eventType: z.string(),
    status: z.enum(['pending', 'succeeded', 'failed', 'abandoned']).describe('failed: the last attempt failed and another is scheduled'),
    attempts: z.number().int(),
    nextAttemptAt: z.date().nullable(),
    firstAttemptAt: z.date().nullable(),
    lastAttemptAt: z.date().nullable(),
    responseCode: z.number().int().nullable(),
    latencyMs: z.number().int().nullable(),
    error: z.string().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'WebhookDelivery' });

export const WebhookDeliveryDetailDto = WebhookDeliveryDto.extend({
  body: z.string().describe('the exact JSON body sent'),
  attemptLog: z.array(
    z.object({
      attempt: z.number().int(),
      startedAt: z.date(),
      succeeded: z.boolean(),
      responseCode: z.number().int().nullable(),
      latencyMs: z.number().int().nullable(),
      error: z.string().nullable(),
    }),
  ),
}).meta({ id: 'WebhookDeliveryDetail' });

export const ContactDto = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    attributes: z.record(z.string(), z.unknown()).describe('free-form; routing rules can match them (e.g. {"vip": true})'),
    mergedIntoId: z.uuid().nullable().describe('set on a contact merged into another: follow it; null for a live contact'),
    mergedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Contact' });

export const ContactIdentityDto = z
  .object({
    id: z.uuid(),
    inboxId: z.uuid(),
    channel: z.string(),
    externalId: z.string().describe("the contact's id on the platform: chat id, phone number, email address"),
    username: z.string().nullable(),
    unreachableAt: z.date().nullable().describe('the platform refused further messages (bot blocked, STOP)'),
    createdAt: z.date(),
  })
  .meta({ id: 'ContactIdentity' });

export const ContactDetailDto = ContactDto.extend({ identities: z.array(ContactIdentityDto) }).meta({ id: 'ContactDetail' });

export const ContactMergeDto = z
  .object({
    id: z.uuid().describe('pass to POST /contacts/merges/{id}/undo'),
    intoContactId: z.uuid(),
    fromContactId: z.uuid(),
    mergedBy: z.uuid().nullable().describe('the agent; null for the bootstrap admin token'),
    mergedAt: z.date(),
    identityIds: z.array(z.uuid()).describe('identities that moved'),
    conversationIds: z.array(z.uuid()).describe('conversations that moved'),
    undoneAt: z.date().nullable(),
    undoneBy: z.uuid().nullable(),
    restoredConversationIds: z.array(z.uuid()).nullable().describe('what the undo moved back, conversations opened since on a moved identity included'),
  })
  .meta({ id: 'ContactMerge' });
