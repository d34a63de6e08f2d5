export * from './mailbox-poller.ts';
export * from './leased-poller.ts';
export * from './progress.ts';
export * from './accept-mail.ts';
export * from './thread-lookup.ts';
export * from './pollers.ts';
export { ingressEmailEnv } from './config.ts';
export * from './smtp-receiver.ts';
export * from './recipients.ts';
