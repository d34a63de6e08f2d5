export { ingressWhatsAppEnv } from './config.ts';
