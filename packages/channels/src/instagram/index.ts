export { INSTAGRAM_MAX_TEXT_LENGTH, InstagramConfig, instagramAdapter } from './adapter.ts';
export { createInstagramMediaFetcher } from './media.ts';
export { INSTAGRAM_PROFILE, normalizeInstagramWebhook } from './normalize.ts';
export { createInstagramSender, type InstagramSenderDeps } from './send.ts';
