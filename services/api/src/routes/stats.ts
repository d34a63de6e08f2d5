import { z } from 'zod';
import { getConversation } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { listDecisions, OFFER_OUTCOMES, queuePosition, queueStats } from '@switchboard/routing';
import { principalOf, requireRole } from '../auth.ts';
import { getQueueSettings } from '../queue-routing-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt, IdParams } from '../schemas.ts';

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
  .meta({
    id: 'QueueStats',
    examples: [
      {
        queueId: EXAMPLE_IDS.queue,
        at: exampleAt('09:45:00'),
        waiting: { total: 7, byPriority: [{ priority: 50, count: 1 }, { priority: 0, count: 6 }] },
        longestWait: { seconds: 412.5, conversationId: EXAMPLE_IDS.conversation },
        tasksByState: { queued: 7, offered: 2, assigned: 23 },
        openTotal: 32,
        agents: { members: 12, online: 9, availableWithCapacity: 3 },
        offers: { pending: 2, accepted: 140, rejected: 6, expired: 11, rescinded: 1, canceled: 0 },
      },
    ],
  });

const PositionDto = z
  .object({
    conversationId: z.uuid(),
    waiting: z.boolean().describe('false once the conversation is offered, assigned or closed'),
    queueId: z.uuid().nullable(),
    position: Count.nullable().describe('1: next to be offered'),
    ahead: Count.nullable(),
    estimatedWaitS: Count.nullable().describe('null while the queue has no recent history'),
  })
  .meta({
    id: 'QueuePosition',
    examples: [{ conversationId: EXAMPLE_IDS.conversation, waiting: true, queueId: EXAMPLE_IDS.queue, position: 3, ahead: 2, estimatedWaitS: 240 }],
  });

const DecisionDto = z.object({ kind: z.string(), createdAt: z.date(), payload: z.record(z.string(), z.unknown()) }).meta({
  id: 'RoutingDecision',
  examples: [
    {
      kind: 'offered',
      createdAt: exampleAt('09:12:04'),
      payload: { queueId: EXAMPLE_IDS.queue, strategy: 'least_load', step: 1, candidates: [EXAMPLE_IDS.agent], agentId: EXAMPLE_IDS.agent, offerId: EXAMPLE_IDS.offer },
    },
  ],
});

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
