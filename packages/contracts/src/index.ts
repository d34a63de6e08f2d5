export * from './channels.ts';
export * from './inbound-event.ts';
export * from './queues.ts';
export * from './domain-events.ts';
export * from './surveys.ts';
