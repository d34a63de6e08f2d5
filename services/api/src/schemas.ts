import { z } from 'zod';
import { ChannelId, COUNTRY_SOURCES, ENABLED_CHANNELS, SurveySettings } from '@switchboard/contracts';
import { CALLBACK_OUTCOMES, CONVERSATION_KINDS, CONVERSATION_STATUSES, MESSAGE_STATUSES, PRESENCE, ROLES } from '@switchboard/db';

declare module 'zod' {
  interface GlobalMeta {
    /**
     * OpenAPI examples, typed as what the schema accepts or answers (dates as `Date`, sent as
     * ISO strings); openapi-examples.test.ts parses every one with its schema.
     */
    examples?: (z.$input | z.$output)[];
  }
}

/**
 * Request and response shapes. Responses are whitelists: the serializer drops any field not
 * listed here, so a column added to a repository query never leaks by accident.
 * Dates are `z.date()`: serialized as ISO strings and documented as `date-time`.
 */

/** Ids and instants the documentation examples share, so one example's references match another's. */
export const EXAMPLE_IDS = {
  agent: 'd79a62b8-48bc-4e57-b3f2-b2c85fe39049',
  supervisor: 'f82e6af3-50e6-4a07-a428-357ec2b521e8',
  conversation: '496eb0c3-041b-4335-a741-c26439001f1b',
  contact: '4ad7a284-30cf-4ba6-9fa2-8052a0c28ab9',
  mergedContact: 'af95cecf-a4b9-41c4-806d-4a5ee0be9261',
  inbox: '7b7d0929-5ff1-4a37-930f-2d379ef7fd8f',
  queue: 'b0494ab6-50ae-4135-bdf1-8c3c514567cb',
  message: '9f79c867-be01-490e-b8c7-0589c9ac5fea',
  reply: 'd9f13834-d773-40e8-b6bd-c611d524fc52',
  upload: '1182ac2b-f493-4955-bc78-9f4552ea837a',
  identity: 'cf386a5a-9fdb-4442-9122-dfc4c49cd5ce',
  merge: '36a667a9-70c3-490c-8602-ef9038febd77',
  webhook: '71fecf8b-75b8-4347-82b8-e7ac9d4e2e76',
  delivery: 'a6c3abce-af7c-4089-995e-cc4f58a45c5b',
  token: 'b8dd1f91-68d5-4e63-b428-935edbc60d46',
  offer: 'fbdcccf1-3a22-4895-8a01-495a66c09abe',
  skill: 'd253960c-ef52-40da-b7ef-4f9c922c79c6',
  rule: 'bc116674-67a0-4717-ad58-acdd288ace0c',
  slaPolicy: '9f236e25-8f2c-4eec-a0cd-a3b1930fe88f',
  businessHours: '95e9a17d-b8e4-4ade-8079-2859670dcc37',
  canned: 'feb2e270-bfbf-483c-a031-1ff6b353752e',
  /** A page cursor as the API issues them (opaque to clients). */
  cursor: 'MjAyNS0wMy0xNFQwOTo0MTowNy41MTI4MzRafDQ5NmViMGMzLTA0MWItNDMzNS1hNzQxLWMyNjQzOTAwMWYxYg',
} as const;
/** An instant on the examples' day (UTC). */
export const exampleAt = (time: string) => new Date(`2025-03-14T${time}Z`);

export const IdParams = z.object({ id: z.uuid() });

export const ErrorBody = z
  .object({
    error: z.object({
      code: z.string().describe('stable machine-readable code; alert and branch on it'),
      message: z.string(),
      details: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
    }),
  })
  .meta({
    id: 'Error',
    examples: [{ error: { code: 'validation_failed', message: 'body.text: must not be blank', details: [{ path: 'body.text', message: 'must not be blank' }] } }],
  });

export const EnabledChannel = z.enum(ENABLED_CHANNELS);

export const agentExample = {
  id: EXAMPLE_IDS.agent,
  name: 'Olga Petrova',
  email: 'olga.petrova@example.com',
  role: 'agent' as const,
  status: 'online' as const,
  capacity: { telegram: 3, webchat: 3, email: 3, whatsapp: 3, messenger: 3, instagram: 3, sms: 3, voice: 1 },
  createdAt: exampleAt('08:00:00'),
};

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
  .meta({ id: 'Agent', examples: [agentExample] });

export const QueueDto = z
  .object({ id: z.uuid(), name: z.string(), strategy: z.string(), memberIds: z.array(z.uuid()), createdAt: z.date() })
  .meta({ id: 'Queue', examples: [{ id: EXAMPLE_IDS.queue, name: 'Support RU', strategy: 'least_load', memberIds: [EXAMPLE_IDS.agent], createdAt: exampleAt('08:00:00') }] });

export const inboxExample = {
  id: EXAMPLE_IDS.inbox,
  channel: 'telegram' as const,
  name: 'Telegram support bot',
  config: {},
  defaultQueueId: EXAMPLE_IDS.queue,
  survey: { csat: true, nps: true, comment: false, answerWindowHours: 72 },
  createdAt: exampleAt('08:00:00'),
  webhookUrl: `https://hooks.example.com/webhooks/telegram/${EXAMPLE_IDS.inbox}`,
};

export const InboxDto = z
  .object({
    id: z.uuid(),
    channel: ChannelId,
    name: z.string(),
    config: z.record(z.string(), z.unknown()),
    defaultQueueId: z.uuid().nullable(),
    survey: SurveySettings.nullable().describe('CSAT/NPS survey sent on the customer\'s channel after a resolve (docs/surveys.md); null: off'),
    createdAt: z.date(),
    webhookUrl: z.string().optional().describe('telegram: the URL to pass to setWebhook; whatsapp, messenger, instagram, sms: the callback URL to give the platform'),
    webchatUrl: z.string().optional().describe('webchat: where the widget for this inbox is served'),
  })
  .meta({ id: 'Inbox', examples: [inboxExample] });

export const CreatedInboxDto = InboxDto.extend({
  webhookSecret: z.string().optional().describe('telegram: setWebhook secret_token; shown only in this response'),
  verifyToken: z.string().optional().describe("whatsapp, messenger, instagram: the webhook's verify token for Meta's dashboard; shown only in this response"),
}).meta({ id: 'CreatedInbox', examples: [{ ...inboxExample, webhookSecret: 'Jx3pQ0v8m1Wc5Rk2Zt7Ya9Ls4Nd6Fh0Ub2Ge8Ti1Oq' }] });

export const conversationExample = {
  id: EXAMPLE_IDS.conversation,
  inboxId: EXAMPLE_IDS.inbox,
  contactId: EXAMPLE_IDS.contact,
  channel: 'telegram',
  status: 'open' as const,
  routingState: 'assigned' as const,
  queueId: EXAMPLE_IDS.queue,
  priority: 0,
  enqueuedAt: exampleAt('09:12:04'),
  assigneeId: EXAMPLE_IDS.agent,
  lastMessageAt: exampleAt('09:41:07'),
  version: 4,
  createdAt: exampleAt('09:12:03'),
  updatedAt: exampleAt('09:41:07'),
  resolvedAt: null,
  kind: 'chat' as const,
  callback: null,
  contact: { id: EXAMPLE_IDS.contact, name: 'Анна Смирнова', email: null, phone: '+79161234567' },
  labels: ['delivery', 'vip'],
};

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
  .meta({ id: 'Conversation', examples: [conversationExample] });

export const messageExample = {
  id: EXAMPLE_IDS.message,
  conversationId: EXAMPLE_IDS.conversation,
  seq: 1,
  direction: 'in' as const,
  authorAgentId: null,
  authorContactId: EXAMPLE_IDS.contact,
  isPrivate: false,
  text: 'Здравствуйте! Заказ №4821 до сих пор не пришёл, подскажите, где он?',
  attachments: [],
  externalId: '5821',
  replyToExternalId: null,
  status: 'received' as const,
  errorCode: null,
  errorMessage: null,
  sentAt: exampleAt('09:12:01'),
  editedAt: null,
  deletedAt: null,
  template: null,
  createdAt: exampleAt('09:12:03'),
  sortAt: exampleAt('09:12:01'),
};

/** The agent's answer to messageExample, as POST /conversations/{id}/messages returns it. */
export const replyExample = {
  ...messageExample,
  id: EXAMPLE_IDS.reply,
  seq: 2,
  direction: 'out' as const,
  authorAgentId: EXAMPLE_IDS.agent,
  authorContactId: null,
  text: 'Анна, добрый день! Посылка в пути, трек-номер RA123456789RU. Доставка ожидается завтра.',
  externalId: null,
  status: 'queued' as const,
  sentAt: null,
  createdAt: exampleAt('09:41:07'),
  sortAt: exampleAt('09:41:07'),
};

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
    sortAt: z.date().describe('the display order key: when the customer sent it (inbound, never after it was received) or when it was written (replies, notes)'),
  })
  .meta({ id: 'Message', examples: [messageExample, replyExample] });

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
  .meta({
    id: 'Upload',
    examples: [
      {
        id: EXAMPLE_IDS.upload,
        conversationId: EXAMPLE_IDS.conversation,
        fileName: 'invoice-4821.pdf',
        contentType: 'application/pdf',
        size: 48213,
        sha256: '52d6e3de4fa0dcc29946695f93940c3e7f26f30e1e39f4b1a49ad98839112786',
        createdAt: exampleAt('09:39:55'),
      },
    ],
  });

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
export const webhookExample = {
  id: EXAMPLE_IDS.webhook,
  url: 'https://crm.example.com/hooks/switchboard',
  events: ['conversation.assigned', 'message.created'],
  enabled: true,
  failingSince: null,
  lastSuccessAt: exampleAt('09:41:08'),
  disabledAt: null,
  disabledReason: null,
  createdAt: exampleAt('08:00:00'),
  updatedAt: exampleAt('08:00:00'),
};

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
  .meta({ id: 'Webhook', examples: [webhookExample] });

export const CreatedWebhookDto = WebhookDto.extend({
  secret: z.string().describe('the signing secret; shown only in this response'),
}).meta({ id: 'CreatedWebhook', examples: [{ ...webhookExample, lastSuccessAt: null, secret: 'whsec_T9vB2kQ7xL0pR4mZ8cW1nY6sD3fH5jA' }] });

export const deliveryExample = {
  id: EXAMPLE_IDS.delivery,
  eventId: '10482',
  eventType: 'message.created',
  status: 'succeeded' as const,
  attempts: 1,
  nextAttemptAt: null,
  firstAttemptAt: exampleAt('09:41:08'),
  lastAttemptAt: exampleAt('09:41:08'),
  responseCode: 200,
  latencyMs: 87,
  error: null,
  createdAt: exampleAt('09:41:07'),
  updatedAt: exampleAt('09:41:08'),
};

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
  .meta({ id: 'WebhookDelivery', examples: [deliveryExample] });

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
}).meta({
  id: 'WebhookDeliveryDetail',
  examples: [
    {
      ...deliveryExample,
      body: `{"id":"10482","type":"message.created","conversationId":"${EXAMPLE_IDS.conversation}","payload":{"messageId":"${EXAMPLE_IDS.reply}"}}`,
      attemptLog: [{ attempt: 1, startedAt: exampleAt('09:41:08'), succeeded: true, responseCode: 200, latencyMs: 87, error: null }],
    },
  ],
});

export const contactExample = {
  id: EXAMPLE_IDS.contact,
  name: 'Анна Смирнова',
  email: 'anna.smirnova@example.ru',
  phone: '+79161234567',
  country: 'RU',
  countrySource: 'phone' as const,
  attributes: { vip: true, city: 'Москва' },
  mergedIntoId: null,
  mergedAt: null,
  createdAt: exampleAt('09:12:03'),
  updatedAt: exampleAt('09:30:00'),
};
const identityExample = {
  id: EXAMPLE_IDS.identity,
  inboxId: EXAMPLE_IDS.inbox,
  channel: 'telegram',
  externalId: '718204553',
  username: 'anna_smirnova',
  unreachableAt: null,
  createdAt: exampleAt('09:12:03'),
};

export const ContactDto = z
  .object({
    id: z.uuid(),
    name: z.string().nullable(),
    email: z.string().nullable(),
    phone: z.string().nullable(),
    country: z.string().nullable().describe('ISO 3166-1 alpha-2; derived from a phone number or a stated locale unless set by a supervisor (docs/reports.md "Regions")'),
    countrySource: z.enum(COUNTRY_SOURCES).nullable().describe('admin (set through the API: never overwritten) > phone > locale; null with country'),
    attributes: z.record(z.string(), z.unknown()).describe('free-form; routing rules can match them (e.g. {"vip": true})'),
    mergedIntoId: z.uuid().nullable().describe('set on a contact merged into another: follow it; null for a live contact'),
    mergedAt: z.date().nullable(),
    createdAt: z.date(),
    updatedAt: z.date(),
  })
  .meta({ id: 'Contact', examples: [contactExample] });

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
  .meta({ id: 'ContactIdentity', examples: [identityExample] });

export const ContactDetailDto = ContactDto.extend({ identities: z.array(ContactIdentityDto) }).meta({
  id: 'ContactDetail',
  examples: [{ ...contactExample, identities: [identityExample] }],
});

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
  .meta({
    id: 'ContactMerge',
    examples: [
      {
        id: EXAMPLE_IDS.merge,
        intoContactId: EXAMPLE_IDS.contact,
        fromContactId: EXAMPLE_IDS.mergedContact,
        mergedBy: EXAMPLE_IDS.supervisor,
        mergedAt: exampleAt('09:30:00'),
        identityIds: [EXAMPLE_IDS.identity],
        conversationIds: [EXAMPLE_IDS.conversation],
        undoneAt: null,
        undoneBy: null,
        restoredConversationIds: null,
      },
    ],
  });
