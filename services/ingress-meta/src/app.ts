import type { FastifyInstance } from 'fastify';
import type { ChannelId } from '@switchboard/contracts';
import { buildWebhookIngress, type WebhookIngressDeps } from '@switchboard/webhook-ingress';

/** The Meta messaging channels this service receives: one Meta app's webhooks for pages and Instagram accounts. */
export const META_CHANNELS = ['messenger', 'instagram'] as const satisfies readonly ChannelId[];

/**
 * Messenger and Instagram webhooks: `GET|POST /webhooks/messenger/:inboxId` and
 * `/webhooks/instagram/:inboxId` (hub.challenge handshake, X-Hub-Signature-256, queue, ack).
 */
export function buildMetaIngress(deps: WebhookIngressDeps): Promise<FastifyInstance> {
  return buildWebhookIngress(deps, META_CHANNELS);
}
