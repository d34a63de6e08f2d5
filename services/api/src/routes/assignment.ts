import { z } from 'zod';
import type { FastifyBaseLogger } from 'fastify';
import { getConversation, type Conversation } from '@switchboard/db';
import { conflict, forbidden, notFound, type HttpError } from '@switchboard/errors';
import { jobIdFor } from '@switchboard/queue';
import { assignConversation, transferConversation, type HandoverRefusal, type HandoverResult } from '@switchboard/routing';
import { mayActOn, principalOf, requireRole } from '../auth.ts';
import { missingIds } from '../crud-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { ConversationDto, conversationExample, errorResponses, EXAMPLE_IDS, IdParams } from '../schemas.ts';

const Force = z.boolean().default(false).describe('beyond capacity, or to an agent who is not online: allowed, and recorded (agent.over_capacity)');
const Note = z.string().trim().max(2000).optional().describe('kept in the routing decision log');

const AssignBody = z
  .object({ agentId: z.uuid(), force: Force, note: Note })
  .meta({ examples: [{ agentId: EXAMPLE_IDS.agent, force: false, note: 'Customer asked for Olga again' }] });
const TransferBody = z
  .object({ agentId: z.uuid().optional(), queueId: z.uuid().optional(), force: Force, note: Note })
  .refine((b) => (b.agentId === undefined) !== (b.queueId === undefined), { message: 'give exactly one of agentId and queueId', path: ['agentId'] })
  .meta({ examples: [{ queueId: EXAMPLE_IDS.queue, note: 'Billing question: needs the billing team' }, { agentId: EXAMPLE_IDS.supervisor }] });

const HandoverDto = z.object({
  outcome: z.enum(['assigned', 'offered', 'queued', 'unchanged']).describe('offered: the agent must accept (a queue without auto-accept)'),
  overCapacity: z.boolean(),
  offerId: z.uuid().nullable(),
  conversation: ConversationDto,
}).meta({ examples: [{ outcome: 'assigned', overCapacity: false, offerId: null, conversation: conversationExample }] });

const REFUSALS: Record<Exclude<HandoverRefusal, 'queue_not_found' | 'not_found'>, () => HttpError> = {
  closed: () => conflict('conversation_closed', 'the conversation is resolved'),
  already_assigned: () => conflict('already_assigned', 'the conversation already has an assignee'),
  agent_unavailable: () => conflict('agent_unavailable', 'the agent is not online (force to assign anyway)'),
  channel_not_enabled: () => conflict('agent_channel_not_enabled', "the agent has no capacity for this conversation's channel"),
  over_capacity: () => conflict('agent_at_capacity', 'the agent is at capacity (force to exceed it)'),
  not_assignee: () => conflict('not_assignee', 'the conversation is no longer assigned to you'),
};

/** After commit: the follow-up dispatch passes and the transfer offer's timer (the sweeper re-derives either if this fails). */
async function afterHandover(deps: ApiDeps, log: FastifyBaseLogger, result: Extract<HandoverResult, { ok: true }>): Promise<void> {
  await requestDispatch(deps.producer, log, result.dispatch, 'handover');
  if (!result.offer) return;
  const { offerId, expiresAt } = result.offer;
  await deps.producer
    .add('routing-timers', { kind: 'offer-timeout', offerId }, { jobId: jobIdFor('offer', offerId), delay: Math.max(0, expiresAt.getTime() - deps.clock.now().getTime()) })
    .catch((error) => log.warn({ err: error, offerId }, 'could not arm the offer timer; the router sweeper will expire it'));
}

async function reply(deps: ApiDeps, log: FastifyBaseLogger, result: HandoverResult) {
  if (!result.ok) {
    if (result.reason === 'not_found') throw notFound('conversation');
    if (result.reason === 'queue_not_found') throw invalidField('body.queueId', 'no such queue');
    throw REFUSALS[result.reason]();
  }
  await afterHandover(deps, log, result);
  const conversation = (await getConversation(deps.pool, result.conversationId)) as Conversation;
  return { outcome: result.outcome, overCapacity: result.overCapacity, offerId: result.offer?.offerId ?? null, conversation };
}

async function assertAgentExists(deps: ApiDeps, agentId: string | undefined): Promise<void> {
  if (agentId && (await missingIds(deps.pool, 'agents', [agentId])).length) throw invalidField('body.agentId', `agent ${agentId} does not exist`);
}

/**
 * Manual assignment and transfer, through the routing engine's guarded hand-over: capacity is
 * claimed like dispatch claims it (409 `agent_at_capacity` unless `force`), a pending offer is
 * canceled, and the previous holder's units are released exactly once.
 */
export function registerAssignmentRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/conversations/:id/assign',
    {
      onRequest: requireRole('supervisor'),
      schema: {
        tags: ['conversations'],
        summary: 'Assign a conversation to an agent (supervisors and admins)',
        params: IdParams,
        body: AssignBody,
        response: { 200: HandoverDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const { agentId, force, note } = request.body;
      await assertAgentExists(deps, agentId);
      const by = { agentId: principalOf(request).agentId, kind: 'user' as const };
      const result = await assignConversation(deps.pool, { conversationId: request.params.id, agentId, force, note, by, clock: deps.clock });
      return reply(deps, request.log, result);
    },
  );

  app.post(
    '/conversations/:id/transfer',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Transfer a conversation to an agent or a queue (its assignee, supervisors and admins)',
        params: IdParams,
        body: TransferBody,
        response: { 200: HandoverDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { agentId, queueId, force, note } = request.body;
      const current = await getConversation(deps.pool, request.params.id, principal);
      if (!current) throw notFound('conversation');
      if (!mayActOn(principal, current)) throw forbidden('only the assignee, a supervisor or an admin may transfer this conversation');
      await assertAgentExists(deps, agentId);
      const to = agentId ? { agentId } : { queueId: queueId! };
      const by = { agentId: principal.agentId, kind: 'user' as const };
      // an agent transfers only what is still theirs when the row is locked, not what they read a moment ago
      const expectedAssigneeId = principal.role === 'agent' ? (principal.agentId ?? undefined) : undefined;
      const result = await transferConversation(deps.pool, { conversationId: current.id, to, force, note, by, expectedAssigneeId, clock: deps.clock });
      return reply(deps, request.log, result);
    },
  );
}
