import { z } from 'zod';
import { changeLabels, getConversation, labelsInUse, setPriority, withTransaction, type Conversation } from '@switchboard/db';
import { forbidden, notFound } from '@switchboard/errors';
import { hasRole, principalOf, type Principal } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { lockConversation } from '../sql.ts';
import { ConversationDto, errorResponses, IdParams, Label } from '../schemas.ts';

/** Labels per conversation: enough for triage, few enough to show on a list row. */
export const MAX_LABELS = 20;
/** Supervisors and admins may use the routing rules' whole range. */
export const PRIORITY_RANGE = { min: -1000, max: 1000 } as const;
/** The assignee may set their own conversation's priority within this band, never above it. */
export const AGENT_PRIORITY_RANGE = { min: 0, max: 10 } as const;

const LabelsDto = z.object({ labels: z.array(z.string()).describe('sorted') }).meta({ id: 'Labels', examples: [{ labels: ['delivery', 'refund', 'vip'] }] });
const AddLabelsBody = z.object({ labels: z.array(Label).min(1).max(MAX_LABELS) }).meta({ examples: [{ labels: ['refund', 'vip'] }] });
const LabelParams = z.object({ id: z.uuid(), label: Label });
const LabelsInUseDto = z
  .object({ items: z.array(z.object({ label: z.string(), count: z.number().int().describe('conversations you may see carrying it') })) })
  .meta({ examples: [{ items: [{ label: 'delivery', count: 12 }, { label: 'refund', count: 4 }, { label: 'vip', count: 2 }] }] });
const PriorityBody = z.object({
  priority: z
    .number()
    .int()
    .min(PRIORITY_RANGE.min)
    .max(PRIORITY_RANGE.max)
    .describe(`higher is served first; an agent may set ${AGENT_PRIORITY_RANGE.min}..${AGENT_PRIORITY_RANGE.max} on a conversation assigned to them`),
}).meta({ examples: [{ priority: 100 }] });

async function visibleOr404(deps: ApiDeps, id: string, principal: Principal): Promise<Conversation> {
  const conversation = await getConversation(deps.pool, id, principal);
  if (!conversation) throw notFound('conversation');
  return conversation;
}

/**
 * Triage of a conversation: labels (anyone who may see it, like a private note) and routing
 * priority (supervisors and admins; the assignee within a small band).
 */
export function registerLabelRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/labels',
    { schema: { tags: ['labels'], summary: 'Labels in use on conversations you may see, with counts', response: { 200: LabelsInUseDto } } },
    async (request) => ({ items: await labelsInUse(deps.pool, principalOf(request)) }),
  );

  app.get(
    '/conversations/:id/labels',
    { schema: { tags: ['labels'], summary: "A conversation's labels", params: IdParams, response: { 200: LabelsDto, ...errorResponses(404) } } },
    async (request) => ({ labels: (await visibleOr404(deps, request.params.id, principalOf(request))).labels }),
  );

  app.post(
    '/conversations/:id/labels',
    {
      schema: {
        tags: ['labels'],
        summary: 'Add labels to a conversation you may see (idempotent: labels it already has are kept once)',
        params: IdParams,
        body: AddLabelsBody,
        response: { 200: LabelsDto, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      await visibleOr404(deps, id, principal);
      const labels = await withTransaction(deps.pool, async (tx) => {
        const next = await changeLabels(tx, id, { add: request.body.labels }, principal.agentId);
        if (!next) throw notFound('conversation');
        if (next.length > MAX_LABELS) throw invalidField('body.labels', `a conversation carries at most ${MAX_LABELS} labels`);
        return next;
      });
      return { labels };
    },
  );

  app.delete(
    '/conversations/:id/labels/:label',
    {
      schema: {
        tags: ['labels'],
        summary: 'Remove a label from a conversation you may see (idempotent)',
        params: LabelParams,
        response: { 200: LabelsDto, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id, label } = request.params;
      await visibleOr404(deps, id, principal);
      const labels = await withTransaction(deps.pool, (tx) => changeLabels(tx, id, { remove: [label] }, principal.agentId));
      if (!labels) throw notFound('conversation');
      return { labels };
    },
  );

  app.put(
    '/conversations/:id/priority',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Set the routing priority: a waiting conversation moves in line at once (supervisors, admins; the assignee within 0..10)',
        params: IdParams,
        body: PriorityBody,
        response: { 200: ConversationDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { id } = request.params;
      const { priority } = request.body;
      await visibleOr404(deps, id, principal);
      const outcome = await withTransaction(deps.pool, async (tx) => {
        // re-checked under the row lock: the assignee may have changed since the read above
        const current = await lockConversation(tx, id);
        if (!current) throw notFound('conversation');
        if (!hasRole(principal, 'supervisor')) {
          if (principal.agentId === null || current.assigneeId !== principal.agentId) {
            throw forbidden('only a supervisor, an admin or the assignee may change the priority');
          }
          if (priority < AGENT_PRIORITY_RANGE.min || priority > AGENT_PRIORITY_RANGE.max) {
            throw forbidden(`an agent may set a priority from ${AGENT_PRIORITY_RANGE.min} to ${AGENT_PRIORITY_RANGE.max}; ask a supervisor`);
          }
        }
        return setPriority(tx, id, priority, principal.agentId);
      });
      if (!outcome) throw notFound('conversation');
      if (outcome.waitingIn) await requestDispatch(deps.producer, request.log, [outcome.waitingIn], 'priority_changed');
      return (await getConversation(deps.pool, id)) as Conversation;
    },
  );
}
