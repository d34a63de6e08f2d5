import { z } from 'zod';
import { ChannelId, ENABLED_CHANNELS } from './channels.ts';
import { InboundEvent } from './inbound-event.ts';

/** One outbound message to deliver; the payload is an id, the message itself lives in PostgreSQL. */
export const OutboundJob = z.object({ messageId: z.uuid(), channel: ChannelId });
export type OutboundJob = z.infer<typeof OutboundJob>;

/** Asks the router to run a dispatch pass for one queue (coalesced by the dispatcher's lock). */
export const DispatchJob = z.object({ queueId: z.uuid(), reason: z.string().max(100) });
export type DispatchJob = z.infer<typeof DispatchJob>;

/** Routing timers: an offer's expiry, a step's timeout, an SLA due time. Handlers re-check the database (no-op when stale). */
export const RoutingTimerJob = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('offer-timeout'), offerId: z.uuid() }),
  z.object({ kind: z.literal('step-timeout'), conversationId: z.uuid(), stepNo: z.number().int().min(1) }),
  z.object({ kind: z.literal('sla-due'), conversationId: z.uuid() }),
]);
export type RoutingTimerJob = z.infer<typeof RoutingTimerJob>;

/** Fetches the platform media of an inbound message into the blob store (egress, which holds the platform credentials). */
export const MediaFetchJob = z.object({ messageId: z.uuid(), inboxId: z.uuid(), channel: ChannelId });
export type MediaFetchJob = z.infer<typeof MediaFetchJob>;

/**
 * The queue catalog: every BullMQ queue, its payload schema and its defaults.
 * Renaming a queue is a data migration (jobs in flight stay under the old name).
 * Names contain no ':' (BullMQ uses it as its key separator).
 */
export const QUEUES = {
  inbound: { schema: InboundEvent, attempts: 10 },
  routing: { schema: DispatchJob, attempts: 5 },
  'routing-timers': { schema: RoutingTimerJob, attempts: 10 },
  'outbound-telegram': { schema: OutboundJob, attempts: 8 },
  'outbound-webchat': { schema: OutboundJob, attempts: 8 },
  'outbound-email': { schema: OutboundJob, attempts: 8 },
  'outbound-whatsapp': { schema: OutboundJob, attempts: 8 },
  'outbound-messenger': { schema: OutboundJob, attempts: 8 },
  'outbound-instagram': { schema: OutboundJob, attempts: 8 },
  'outbound-sms': { schema: OutboundJob, attempts: 8 },
  'media-fetch': { schema: MediaFetchJob, attempts: 8 },
} as const;

export type QueueName = keyof typeof QUEUES;
export type JobData<Q extends QueueName> = z.infer<(typeof QUEUES)[Q]['schema']>;

export type OutboundQueueName = `outbound-${(typeof ENABLED_CHANNELS)[number]}`;

export function outboundQueueFor(channel: ChannelId): OutboundQueueName {
  const name = `outbound-${channel}`;
  if (!(name in QUEUES)) throw new Error(`no outbound queue for channel ${channel}`);
  return name as OutboundQueueName;
}
