export * from './worker.ts';
export * from './signature.ts';
export { DEFAULT_RETRY_SCHEDULE, retryDelayMs, type RetrySchedule } from './backoff.ts';
export { fanOutOnce, webhookBody } from './fanout.ts';
