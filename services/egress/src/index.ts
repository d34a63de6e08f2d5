export * from './egress.ts';
export * from './deliver.ts';
export { egressEnv } from './config.ts';
