import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { DomainEventType } from '@switchboard/contracts';
import {
  createWebhookSubscription, deleteWebhookSubscription, getWebhookDelivery, getWebhookSubscription, listWebhookDeliveries,
  listWebhookSubscriptions, replayWebhookDelivery, updateWebhookSubscription, WEBHOOK_DELIVERY_STATUSES, type WebhookSubscription,
} from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { CreatedWebhookDto, deliveryExample, errorResponses, IdParams, WebhookDeliveryDetailDto, WebhookDeliveryDto, WebhookDto } from '../schemas.ts';

/**
 * Outbound webhook subscriptions (admin only). Egress fans outbox events out to deliveries and
 * sends them (services/egress/src/webhooks/); these routes manage endpoints, show the delivery
 * log and replay a delivery. docs/webhooks.md is the receiver's side.
 */

const ALL = '*';

const HttpUrl = z
  .url({ protocol: /^https?$/ })
  .max(2000)
  .describe('where events are POSTed (http or https)');

const EventList = z
  .array(z.union([DomainEventType, z.literal(ALL)]))
  .min(1)
  .max(100)
  .describe('event types to deliver, or ["*"] for every type');

const CreateBody = z.object({
  url: HttpUrl,
  events: EventList.default([ALL]),
  secret: z.string().min(16).max(200).optional().describe('the signing secret; generated when omitted, shown once either way'),
  enabled: z.boolean().default(true),
}).meta({ examples: [{ url: 'https://crm.example.com/hooks/switchboard', events: ['conversation.assigned', 'message.created'] }] });

const UpdateBody = z
  .object({ url: HttpUrl.optional(), events: EventList.optional(), enabled: z.boolean().optional().describe('true also forgets past failures') })
  .meta({ examples: [{ enabled: true }, { events: ['*'] }] });

const DeliveryParams = z.object({ id: z.uuid(), deliveryId: z.uuid() });

const DeliveryQuery = z.object({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().regex(/^\d{1,18}$/, 'a nextCursor returned by this API').optional().describe('nextCursor of the previous page'),
});

const DeliveryPage = z
  .object({ items: z.array(WebhookDeliveryDto), nextCursor: z.string().nullable().describe('null on the last page') })
  .meta({ examples: [{ items: [deliveryExample], nextCursor: '10482' }] });

const toEventTypes = (events: string[]): string[] | null => (events.includes(ALL) ? null : [...new Set(events)]);
const toDto = ({ eventTypes, ...s }: WebhookSubscription) => ({ ...s, events: eventTypes ?? [ALL] });

export function registerWebhookRoutes(deps: ApiDeps, app: ZodApp): void {
  const existing = async (id: string) => {
    const subscription = await getWebhookSubscription(deps.pool, id);
    if (!subscription) throw notFound('webhook');
    return subscription;
  };

  app.post(
    '/webhooks',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['webhooks'],
        summary: 'Subscribe an endpoint to events; returns the signing secret once',
        body: CreateBody,
        response: { 201: CreatedWebhookDto, ...errorResponses(400, 403) },
      },
    },
    async (request, reply) => {
      const { url, events, enabled } = request.body;
      const secret = request.body.secret ?? `whsec_${randomBytes(32).toString('base64url')}`;
      const subscription = await createWebhookSubscription(deps.pool, deps.secretBox, { url, eventTypes: toEventTypes(events), secret, enabled });
      return reply.code(201).send({ ...toDto(subscription), secret });
    },
  );

  app.get(
    '/webhooks',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['webhooks'], summary: 'List webhook endpoints (secrets are never returned)', response: { 200: z.array(WebhookDto), ...errorResponses(403) } },
    },
    async () => (await listWebhookSubscriptions(deps.pool)).map(toDto),
  );

  app.get(
    '/webhooks/:id',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['webhooks'], summary: 'One webhook endpoint', params: IdParams, response: { 200: WebhookDto, ...errorResponses(403, 404) } },
    },
    async (request) => toDto(await existing(request.params.id)),
  );

  app.patch(
    '/webhooks/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['webhooks'],
        summary: "Change an endpoint's URL or events, or disable or re-enable it",
        params: IdParams,
        body: UpdateBody,
        response: { 200: WebhookDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const { url, events, enabled } = request.body;
      const updated = await updateWebhookSubscription(deps.pool, request.params.id, {
        url,
        enabled,
        ...(events ? { eventTypes: toEventTypes(events) } : {}),
      });
      if (!updated) throw notFound('webhook');
      return toDto(updated);
    },
  );

  app.delete(
    '/webhooks/:id',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['webhooks'], summary: 'Delete an endpoint and its delivery log', params: IdParams, response: { 204: z.null(), ...errorResponses(403, 404) } },
    },
    async (request, reply) => {
      if (!(await deleteWebhookSubscription(deps.pool, request.params.id))) throw notFound('webhook');
      return reply.code(204).send(null);
    },
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['webhooks'],
        summary: "An endpoint's delivery log, newest first: status, response code, latency, attempts",
        description: 'Pass `nextCursor` back as `cursor` with the same filter to page on.',
        params: IdParams,
        querystring: DeliveryQuery,
        response: { 200: DeliveryPage, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      await existing(request.params.id);
      const { status, limit, cursor } = request.query;
      const page = await listWebhookDeliveries(deps.pool, request.params.id, { limit, status, beforeSeq: cursor });
      return { items: page.deliveries, nextCursor: page.nextSeq };
    },
  );

  app.get(
    '/webhooks/:id/deliveries/:deliveryId',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['webhooks'],
        summary: 'One delivery with its body and every attempt',
        params: DeliveryParams,
        response: { 200: WebhookDeliveryDetailDto, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const delivery = await getWebhookDelivery(deps.pool, request.params.id, request.params.deliveryId);
      if (!delivery) throw notFound('webhook delivery');
      return delivery;
    },
  );

  app.post(
    '/webhooks/:id/deliveries/:deliveryId/replay',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['webhooks'],
        summary: 'Send a delivery again now: a new attempt with the same delivery id and body',
        description: 'If the new attempt fails, the delivery is retried on the usual schedule. 409 while the endpoint is disabled.',
        params: DeliveryParams,
        response: { 202: WebhookDeliveryDto, ...errorResponses(403, 404, 409) },
      },
    },
    async (request, reply) => {
      const subscription = await existing(request.params.id);
      if (!subscription.enabled) throw conflict('webhook_disabled', 'enable the webhook before replaying its deliveries');
      const delivery = await replayWebhookDelivery(deps.pool, subscription.id, request.params.deliveryId);
      if (!delivery) throw notFound('webhook delivery');
      return reply.code(202).send(delivery);
    },
  );
}
