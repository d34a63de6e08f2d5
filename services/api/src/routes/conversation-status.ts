import { z } from 'zod';
import type { FastifyBaseLogger } from 'fastify';
import { getConversation, withTransaction, type Conversation } from '@switchboard/db';
import { conflict, forbidden, notFound, type HttpError } from '@switchboard/errors';
import { jobIdFor } from '@switchboard/queue';
import { changeConversationStatus, LIVE_STATUSES, reopenConversation, runningSlaDueTimes, type ReopenRefusal, type StatusChange } from '@switchboard/routing';
import { hasRole, mayActOn, principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { lockConversation } from '../sql.ts';
import { ConversationDto, conversationExample, errorResponses, exampleAt, IdParams } from '../schemas.ts';

const StatusBody = z.object({
  status: z.enum(LIVE_STATUSES).describe('pending/snoozed: waiting on the customer; the assignee keeps it'),
  snoozedUntil: z.iso.datetime({ offset: true }).optional().describe('required for snoozed, in the future: it opens again then'),
}).meta({ examples: [{ status: 'snoozed', snoozedUntil: '2025-03-15T09:00:00+03:00' }, { status: 'pending' }] });

const StatusChangeDto = z.object({
  conversation: ConversationDto,
  snoozedUntil: z.date().nullable(),
  released: z.boolean().describe("the assignee's capacity was given back (the queue releases on pending)"),
  reclaim: z.enum(['none', 'reclaimed', 'requeued']).describe('on open: capacity taken back, or the agent was full and it went back in line'),
}).meta({
  examples: [{ conversation: { ...conversationExample, status: 'snoozed' }, snoozedUntil: exampleAt('06:00:00'), released: true, reclaim: 'none' }],
});

const REOPEN_REFUSALS: Record<Exclude<ReopenRefusal, 'not_found'>, () => HttpError> = {
  not_resolved: () => conflict('conversation_not_resolved', 'only a resolved conversation can be reopened'),
  not_last_assignee: () => forbidden('only its last assignee, a supervisor or an admin may reopen this conversation'),
  superseded: () => conflict('conversation_superseded', 'the customer has a newer open conversation in this inbox'),
};

type Change = Extract<StatusChange, { ok: true }>;

/** After commit, best effort: resumed SLA clocks fall due at new times (the router's sweep is the backstop). */
async function armSlaTimers(deps: ApiDeps, log: FastifyBaseLogger, conversationId: string): Promise<void> {
  try {
    const now = deps.clock.now().getTime();
    for (const due of await runningSlaDueTimes(deps.pool, conversationId)) {
      const options = { jobId: jobIdFor('sla', conversationId, due.toISOString()), delay: Math.max(0, due.getTime() - now) };
      await deps.producer.add('routing-timers', { kind: 'sla-due', conversationId }, options);
    }
  } catch (error) {
    log.warn({ err: error, conversationId }, 'could not arm SLA timers; the router sweeper will find breaches');
  }
}

/**
 * Conversation status by hand: pending/snoozed (the agent waits on the customer; capacity is
 * given back if the queue says so, SLA clocks pause) and open again; and reopening a resolved
 * conversation, back in line with its last agent first. Dispatches are requested after commit.
 */
export function registerConversationStatusRoutes(deps: ApiDeps, app: ZodApp): void {
  app.put(
    '/conversations/:id/status',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Set a live conversation open, pending or snoozed (its assignee, supervisors and admins)',
        description: 'Conflicts: `conversation_closed` (resolved: reopen it instead).',
        params: IdParams,
        body: StatusBody,
        response: { 200: StatusChangeDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const { status } = request.body;
      const now = deps.clock.now();
      const snoozedUntil = request.body.snoozedUntil === undefined ? null : new Date(request.body.snoozedUntil);
      if (status === 'snoozed' && !snoozedUntil) throw invalidField('body.snoozedUntil', 'required when snoozing');
      if (status === 'snoozed' && snoozedUntil!.getTime() <= now.getTime()) throw invalidField('body.snoozedUntil', 'must be in the future');
      if (status !== 'snoozed' && snoozedUntil) throw invalidField('body.snoozedUntil', 'only for snoozed');
      if (!(await getConversation(deps.pool, id, principal))) throw notFound('conversation');
      const change = await withTransaction(deps.pool, async (tx): Promise<Change> => {
        // re-checked under the row lock: the assignee may have changed since the read above
        const locked = await lockConversation(tx, id);
        if (!locked) throw notFound('conversation');
        if (!mayActOn(principal, locked)) throw forbidden('only the assignee, a supervisor or an admin may change the status of this conversation');
        const result = await changeConversationStatus(tx, id, status, now, snoozedUntil);
        if (!result.ok) throw result.reason === 'not_found' ? notFound('conversation') : conflict('conversation_closed', 'the conversation is resolved');
        return result;
      });
      await requestDispatch(deps.producer, request.log, change.dispatch, status === 'open' ? 'requeued' : 'capacity_freed');
      if (status === 'open' && change.previous !== 'open') await armSlaTimers(deps, request.log, id);
      const conversation = (await getConversation(deps.pool, id)) as Conversation;
      return { conversation, snoozedUntil: status === 'snoozed' ? snoozedUntil : null, released: change.released, reclaim: change.reclaim };
    },
  );

  app.post(
    '/conversations/:id/reopen',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Reopen a resolved conversation: back in its queue, offered to its last agent first (supervisors, admins, or that agent)',
        description: 'Conflicts: `conversation_not_resolved`, `conversation_superseded` (the customer wrote again and has a newer one).',
        params: IdParams,
        response: { 200: ConversationDto, ...errorResponses(403, 404, 409) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      // an agent may reopen their own last conversation even in a queue they have left: checked under the lock
      const onlyLastAssignee = !hasRole(principal, 'supervisor');
      const result = await reopenConversation(deps.pool, { conversationId: id, by: { agentId: principal.agentId }, onlyLastAssignee, clock: deps.clock });
      if (!result.ok) {
        // one they cannot even see is not found, as everywhere else
        if (result.reason === 'not_found' || (result.reason === 'not_last_assignee' && !(await getConversation(deps.pool, id, principal)))) throw notFound('conversation');
        throw REOPEN_REFUSALS[result.reason]();
      }
      await requestDispatch(deps.producer, request.log, result.dispatch, 'reopened');
      return (await getConversation(deps.pool, id)) as Conversation;
    },
  );
}
