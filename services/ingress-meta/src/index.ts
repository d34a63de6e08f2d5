export { buildMetaIngress, META_CHANNELS } from './app.ts';
export { ingressMetaEnv } from './config.ts';
