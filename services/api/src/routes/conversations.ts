import type { FastifyBaseLogger } from 'fastify';
import { z } from 'zod';
import {
  CALLBACK_OUTCOMES,
  CONVERSATION_STATUSES,
  getConversation,
  listConversations,
  recordCallbackOutcome,
  withTransaction,
  type Conversation,
} from '@switchboard/db';
import { ChannelId } from '@switchboard/contracts';
import { resolveConversation, type RecordedMetrics, type SurveyMessage } from '@switchboard/routing';
import { observeResolution, supportMetrics } from '@switchboard/runtime';
import { conflict, forbidden, notFound } from '@switchboard/errors';
import { mayActOn, principalOf } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDelivery, requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { conversationPosition, lockConversation } from '../sql.ts';
import { ConversationDto, conversationExample, errorResponses, EXAMPLE_IDS, IdParams, Label } from '../schemas.ts';

const ListQuery = z.object({
  status: z.enum(CONVERSATION_STATUSES).optional(),
  assignee: z.union([z.enum(['me', 'unassigned']), z.uuid()]).optional().describe("'me', 'unassigned' or an agent id"),
  queue: z.uuid().optional().describe('queue id'),
  inbox: z.uuid().optional().describe('inbox id'),
  channel: ChannelId.optional(),
  label: Label.optional().describe('conversations carrying this label'),
  contact: z.uuid().optional().describe('contact id'),
  updated_since: z.iso.datetime({ offset: true }).optional().describe('updated at or after this instant (ISO 8601)'),
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

const CallbackOutcomeBody = z.object({
  outcome: z.enum(CALLBACK_OUTCOMES).describe('done: the customer was reached; failed: they could not be'),
  note: z.string().trim().min(1).max(2000).optional(),
}).meta({ examples: [{ outcome: 'done', note: 'Called back, the refund was confirmed' }, { outcome: 'failed', note: 'No answer twice; sent an SMS instead' }] });

const Page = z
  .object({ items: z.array(ConversationDto), nextCursor: z.string().nullable().describe('null on the last page') })
  .meta({ examples: [{ items: [conversationExample], nextCursor: EXAMPLE_IDS.cursor }] });

export function registerConversationRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/conversations',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Conversations you may see (agents: your own and your queues\'), most recently updated first, filtered',
        description: 'Filters combine (and). Pass `nextCursor` back as `cursor` with the same filters to page on.',
        querystring: ListQuery,
        response: { 200: Page, ...errorResponses(400) },
      },
    },
    async (request) => {
      const viewer = principalOf(request);
      const { status, assignee, queue, inbox, channel, label, contact, updated_since: updatedSince, limit, cursor } = request.query;
      if (assignee === 'me' && !viewer.agentId) throw invalidField('query.assignee', "'me' needs an agent token");
      const position = cursor ? decodeCursor(cursor) : undefined;
      const items = await listConversations(deps.pool, viewer, {
        status,
        assignee,
        queueId: queue,
        inboxId: inbox,
        channel,
        label,
        contactId: contact,
        updatedSince: updatedSince === undefined ? undefined : new Date(updatedSince),
        limit,
        // pg sends a string verbatim: PostgreSQL compares at microsecond precision, which a Date would truncate
        cursor: position && { updatedAt: position.updatedAt, id: position.id },
      });
      const last = items.length === limit ? items.at(-1) : undefined;
      const updatedAt = last && (await conversationPosition(deps.pool, last.id));
      return { items, nextCursor: last && updatedAt ? encodeCursor({ updatedAt, id: last.id }) : null };
    },
  );

  app.get(
    '/conversations/:id',
    {
      schema: { tags: ['conversations'], summary: 'One conversation', params: IdParams, response: { 200: ConversationDto, ...errorResponses(404) } },
    },
    async (request) => {
      const conversation = await getConversation(deps.pool, request.params.id, principalOf(request));
      if (!conversation) throw notFound('conversation');
      return conversation;
    },
  );

  app.post(
    '/conversations/:id/resolve',
    {
      schema: {
        tags: ['conversations'],
        summary: "Resolve a conversation and free its assignee's capacity (idempotent)",
        params: IdParams,
        response: { 200: ConversationDto, ...errorResponses(403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const conversation = await getConversation(deps.pool, id, principal);
      if (!conversation) throw notFound('conversation');
      if (conversation.status === 'resolved') return conversation;
      const outcome = await withTransaction(deps.pool, async (tx) => {
        // re-checked under the row lock: the assignee may have changed since the read above
        const locked = await lockConversation(tx, id);
        if (!locked || locked.status === 'resolved') return undefined;
        if (!mayActOn(principal, locked)) throw forbidden('only the assignee, a supervisor or an admin may resolve this conversation');
        return resolveConversation(tx, id, { agentId: principal.agentId }, deps.clock.now());
      });
      if (outcome) await afterResolve(deps, request.log, outcome);
      return (await getConversation(deps.pool, id)) as Conversation;
    },
  );
  app.post(
    '/conversations/:id/callback',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Record how a callback request went (done or failed) and resolve it, freeing the voice capacity',
        description: 'Conflicts: `not_a_callback` (a chat), `callback_completed` (an outcome is already recorded).',
        params: IdParams,
        body: CallbackOutcomeBody,
        response: { 200: ConversationDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      if (!(await getConversation(deps.pool, id, principal))) throw notFound('conversation');
      const outcome = await withTransaction(deps.pool, async (tx) => {
        const locked = await lockConversation(tx, id);
        if (!locked) throw notFound('conversation');
        const current = (await getConversation(tx, id))!;
        if (current.kind !== 'callback') throw conflict('not_a_callback', 'this conversation is not a callback request');
        // before the permission check: once resolved it has no assignee, and "already done" is the useful answer
        if (current.callback?.outcome) throw conflict('callback_completed', `the outcome is already recorded: ${current.callback.outcome}`);
        if (!mayActOn(principal, locked)) throw forbidden('only the assignee, a supervisor or an admin may close this callback');
        const now = deps.clock.now();
        await recordCallbackOutcome(tx, id, { outcome: request.body.outcome, note: request.body.note, agentId: principal.agentId, at: now });
        return resolveConversation(tx, id, { agentId: principal.agentId }, now);
      });
      if (outcome) await afterResolve(deps, request.log, outcome);
      return (await getConversation(deps.pool, id)) as Conversation;
    },
  );
}

/** After a resolve commits: the live figures counted, the freed queues dispatched, the survey it opened (if any) handed to egress. */
async function afterResolve(deps: ApiDeps, log: FastifyBaseLogger, outcome: { freedQueueIds: string[]; survey?: SurveyMessage; metrics?: RecordedMetrics }): Promise<void> {
  observeResolution(deps.metrics && supportMetrics(deps.metrics), outcome.metrics);
  await requestDispatch(deps.producer, log, outcome.freedQueueIds, 'capacity_freed');
  if (outcome.survey) await requestDelivery(deps.producer, log, outcome.survey.messageId, outcome.survey.channel);
}
