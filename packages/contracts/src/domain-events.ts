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
]);
export type DomainEventType = z.infer<typeof DomainEventType>;
