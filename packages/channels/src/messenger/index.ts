export { GraphIdString, MessengerConfig, META_MESSAGING_CAPABILITIES, MetaMessagingSecrets, messengerAdapter } from './adapter.ts';
export { classifyMetaNetworkError, classifyMetaSendError, type MetaGraphFailure } from './classify.ts';
export { messageContent, THUMBS_UP_STICKER_ID } from './content.ts';
export { createMessengerMediaFetcher, createMetaMediaFetcher, type MetaMediaFetcherDeps } from './media.ts';
export {
  eventIdOf,
  MESSENGER_PROFILE,
  normalizeMessengerWebhook,
  normalizeMetaMessaging,
  parseMetaWebhook,
  toIso,
  type MetaMessagingProfile,
} from './normalize.ts';
export {
  createMessengerSender,
  createMetaSendApiSender,
  DEFAULT_GRAPH_API_ROOT,
  DEFAULT_GRAPH_API_VERSION,
  type MessengerSenderDeps,
  type MetaSenderDeps,
} from './send.ts';
export { metaMessagingHandshake, verifyMetaMessagingRequest } from './verify.ts';
export { GraphErrorBody, MESSENGER_MAX_TEXT_LENGTH, MetaWebhook, type MetaMessagingEvent } from './wire.ts';
