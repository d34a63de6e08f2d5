export * from './contract.ts';
export * from './registry.ts';
export * from './email/index.ts';
export * from './telegram/index.ts';
export * from './webchat/index.ts';
export { parseJsonLossless } from './shared/lossless-json.ts';
