import { buildWebhookIngress, runWebhookIngress } from '@switchboard/webhook-ingress';
import { ingressWhatsAppEnv } from './config.ts';

await runWebhookIngress('ingress-whatsapp', ingressWhatsAppEnv, (deps) => buildWebhookIngress(deps, ['whatsapp']));
