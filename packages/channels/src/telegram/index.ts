export { telegramAdapter, TelegramConfig, TelegramSecrets } from './adapter.ts';
export { classifyTelegramError } from './classify.ts';
export { telegramClient, type TelegramClientOptions } from './client.ts';
export { createTelegramMediaFetcher, TELEGRAM_MAX_DOWNLOAD_BYTES } from './media.ts';
export { callbackQueryIdOf, isBotBlockedUpdate, normalizeTelegramUpdate, parseTelegramUpdate } from './normalize.ts';
export { decodeSurveyCallback, encodeSurveyCallback, surveyKeyboard } from './survey-data.ts';
export { createTelegramSender, type TelegramSenderDeps } from './send.ts';
export { TELEGRAM_SECRET_HEADER, verifyTelegramRequest } from './verify.ts';
export { TELEGRAM_MAX_TEXT_LENGTH, type TelegramErrorBody, type TelegramMessage, type TelegramUpdate } from './wire.ts';
