export * from './mailbox-poller.ts';
export * from './leased-poller.ts';
export * from './progress.ts';
