export * from './egress.ts';
export * from './deliver.ts';
export { egressEnv } from './config.ts';
export { withEmailContext } from './email-context.ts';
