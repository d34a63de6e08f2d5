export * from './channels.ts';
export * from './inbound-event.ts';
export * from './queues.ts';
export * from './domain-events.ts';
export * from './surveys.ts';
export * from './survey-reply.ts';
export * from './country.ts';
export * from './time-zone.ts';
