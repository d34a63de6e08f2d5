import { buildWebhookIngress, type WebhookIngressDeps } from '@switchboard/webhook-ingress';
import { registerMediaRoute, type MediaRouteDeps } from './media-route.ts';

/**
 * The SMS webhooks (Twilio and generic gateways): `POST /webhooks/sms/:inboxId`; with `media`,
 * also the signed public links Twilio fetches reply files from (`GET /media/:key`).
 */
export async function buildSmsIngress(deps: WebhookIngressDeps & { media?: MediaRouteDeps }) {
  const app = await buildWebhookIngress(deps, ['sms']);
  if (deps.media) registerMediaRoute(app, deps.media);
  return app;
}
export { ingressSmsEnv } from './config.ts';
