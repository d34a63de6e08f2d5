export * from './connection.ts';
export * from './producer.ts';
export * from './worker.ts';
export * from './lease.ts';
export { countInWindow, type WindowCount } from './window-counter.ts';
export * from './metrics.ts';
export { closeQueuesOn } from './shared-queues.ts';
