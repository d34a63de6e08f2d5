export * from './policy.ts';
export * from './dispatcher.ts';
