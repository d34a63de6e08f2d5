export * from './app.ts';
export * from './accept-update.ts';
export * from './poller.ts';
export * from './lease.ts';
export { ingressTelegramEnv } from './config.ts';
