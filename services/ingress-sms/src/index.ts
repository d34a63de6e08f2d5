import { buildWebhookIngress, type WebhookIngressDeps } from '@switchboard/webhook-ingress';

/** The SMS webhooks (Twilio and generic gateways): `POST /webhooks/sms/:inboxId`. */
export function buildSmsIngress(deps: WebhookIngressDeps) {
  return buildWebhookIngress(deps, ['sms']);
}
export { ingressSmsEnv } from './config.ts';
