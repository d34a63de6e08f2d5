import { z } from 'zod';
import { getConversation } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { listDecisions, OFFER_OUTCOMES, queuePosition, queueStats } from '@switchboard/routing';
import { principalOf, requireRole } from '../auth.ts';
import { getQueueSettings } from '../queue-routing-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses, IdParams } from '../schemas.ts';

const Count = z.number().int();

const QueueStatsDto = z
  .object({
    queueId: z.uuid(),
    at: z.date(),
    waiting: z.object({ total: Count, byPriority: z.array(z.object({ priority: Count, count: Count })) }),
    longestWait: z.object({ seconds: z.number(), conversationId: z.uuid() }).nullable().describe('real wait (no VIP adjustment) of the longest-waiting conversation'),
    tasksByState: z.object({ queued: Count, offered: Count, assigned: Count }),
    openTotal: Count,
    agents: z.object({ members: Count, online: Count, availableWithCapacity: Count }),
    offers: z.object(Object.fromEntries(OFFER_OUTCOMES.map((o) => [o, Count])) as Record<(typeof OFFER_OUTCOMES)[number], typeof Count>),
  })
  .meta({ id: 'QueueStats' });

const PositionDto = z
  .object({
    conversationId: z.uuid(),
    waiting: z.boolean().describe('false once the conversation is offered, assigned or closed'),
    queueId: z.uuid().nullable(),
    position: Count.nullable().describe('1: next to be offered'),
    ahead: Count.nullable(),
    estimatedWaitS: Count.nullable().describe('null while the queue has no recent history'),
  })
  .meta({ id: 'QueuePosition' });

const DecisionDto = z.object({ kind: z.string(), createdAt: z.date(), payload: z.record(z.string(), z.unknown()) }).meta({ id: 'RoutingDecision' });

/** What routing looks like from outside: a queue's live numbers, a waiting customer's place, why a conversation went where it went. */
export function registerStatsRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/queues/:id/stats',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['routing'], summary: 'Live queue numbers: waiting work, longest wait, tasks by state, agents, offers', params: IdParams, response: { 200: QueueStatsDto, ...errorResponses(403, 404) } },
    },
    async (request) => {
      if (!(await getQueueSettings(deps.pool, request.params.id))) throw notFound('queue');
      return queueStats(deps.pool, request.params.id, deps.clock);
    },
  );

  app.get(
    '/conversations/:id/position',
    {
      schema: {
        tags: ['conversations'],
        summary: "A waiting conversation's place in line and estimated wait",
        params: IdParams,
        response: { 200: PositionDto, ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await getConversation(deps.pool, id, principalOf(request)))) throw notFound('conversation');
      const place = await queuePosition(deps.pool, id, deps.clock);
      return place
        ? { conversationId: id, waiting: true, queueId: place.queueId, position: place.position, ahead: place.ahead, estimatedWaitS: place.estimatedWaitS }
        : { conversationId: id, waiting: false, queueId: null, position: null, ahead: null, estimatedWaitS: null };
    },
  );

  app.get(
    '/conversations/:id/routing-decisions',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Why the conversation went where it went: candidates, strategy and outcome of each routing step, oldest first',
        params: IdParams,
        response: { 200: z.array(DecisionDto), ...errorResponses(404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      if (!(await getConversation(deps.pool, id, principalOf(request)))) throw notFound('conversation');
      return listDecisions(deps.pool, id);
    },
  );
}
