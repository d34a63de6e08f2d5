export * from './app.ts';
export * from './accept-update.ts';
export * from './poller.ts';
export { ingressTelegramEnv } from './config.ts';
