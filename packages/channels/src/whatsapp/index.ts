export { whatsappAdapter, WhatsAppConfig, WhatsAppSecrets } from './adapter.ts';
export { classifyWhatsAppError, classifyWhatsAppResponse, type GraphFailure } from './classify.ts';
export { createWhatsAppMediaFetcher, type WhatsAppMediaFetcherDeps } from './media.ts';
export { normalizeWhatsAppWebhook } from './normalize.ts';
export { createWhatsAppSender, recipientOf, type WhatsAppSenderDeps } from './send.ts';
export { verifyWhatsAppRequest, whatsAppHandshake } from './verify.ts';
export { WHATSAPP_API_ROOT, WHATSAPP_DEFAULT_API_VERSION, WHATSAPP_MAX_TEXT_LENGTH } from './wire.ts';
