import { z } from 'zod';

/** Event types written to the outbox (`events` table) and streamed to agents and integrations. */
export const DomainEventType = z.enum([
  'conversation.created',
  'conversation.reopened',
  'conversation.assigned',
  'conversation.resolved',
  'message.created',
  'message.updated',
  'message.status',
  'contact.unreachable',
  'agent.status',
  'agent.over_capacity',
  'offer.created',
  'offer.accepted',
  'offer.rejected',
  'offer.expired',
  'offer.rescinded',
  'offer.canceled',
  'conversation.requeued',
  'conversation.step_advanced',
  'conversation.overflowed',
  'conversation.abandoned',
  'conversation.transferred',
  'conversation.status_changed',
  'conversation.typing',
  'conversation.callback_completed',
  'queue.full',
  'routing.alert',
  'sla.breached',
  'load.drift',
]);
export type DomainEventType = z.infer<typeof DomainEventType>;
