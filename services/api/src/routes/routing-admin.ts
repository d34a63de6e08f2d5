import { withTransaction, type Queryable } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { rescindAgentOffers } from '@switchboard/routing';
import { requireRole } from '../auth.ts';
import { missingIds } from '../crud-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { getQueueDetail, getQueueSettings, lockOffersOfLeavingMembers, replaceMembers, replaceSteps, unknownSkills, updateQueueSettings } from '../queue-routing-sql.ts';
import { normalizeMembers, problemPath, settingsProblem } from '../queue-settings.ts';
import { MembersBody, QueueDetailDto, QueueSettingsPatch, StepsBody } from '../routing-schemas.ts';
import { errorResponses, IdParams } from '../schemas.ts';
import { isUniqueViolation } from '../sql.ts';
import { registerRoutingCalendarRoutes } from './routing-admin-calendars.ts';
import { registerRoutingRuleRoutes } from './routing-admin-rules.ts';
import { registerSkillRoutes } from './routing-admin-skills.ts';

const REFERENCES = [
  ['overflowQueueId', 'queues'],
  ['businessHoursId', 'business_hours'],
  ['slaPolicyId', 'sla_policies'],
] as const;

async function assertReferencesExist(db: Queryable, patch: Record<string, unknown>): Promise<void> {
  for (const [field, table] of REFERENCES) {
    const id = patch[field];
    if (typeof id === 'string' && (await missingIds(db, table, [id])).length) throw invalidField(`body.${field}`, `${id} does not exist`);
  }
}

/**
 * Routing administration: a queue's routing settings, escalation steps and ringed members
 * (here), and skills, capacity, routing rules, business hours and SLA policies (the sibling
 * files). Admins change; supervisors read. Every change that may let waiting work move asks
 * the router for a dispatch pass after commit.
 */
export function registerRoutingAdminRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/queues/:id',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['routing'], summary: "A queue's routing settings, members with rings, and steps", params: IdParams, response: { 200: QueueDetailDto, ...errorResponses(403, 404) } },
    },
    async (request) => {
      const queue = await getQueueDetail(deps.pool, request.params.id);
      if (!queue) throw notFound('queue');
      return queue;
    },
  );

  app.patch(
    '/queues/:id',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['routing'],
        summary: "Change a queue's name or routing settings (any subset)",
        params: IdParams,
        body: QueueSettingsPatch,
        response: { 200: QueueDetailDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const patch = request.body;
      let queue;
      try {
        queue = await withTransaction(deps.pool, async (tx) => {
          const current = await getQueueSettings(tx, id, { lock: true });
          if (!current) throw notFound('queue');
          const problem = settingsProblem(id, { ...current, ...patch });
          if (problem) throw invalidField(problemPath(problem, patch), problem.message);
          await assertReferencesExist(tx, patch);
          await updateQueueSettings(tx, id, patch);
          return getQueueDetail(tx, id);
        });
      } catch (error) {
        if (isUniqueViolation(error, 'queues_name_key')) throw conflict('queue_name_taken', `a queue named ${patch.name} already exists`);
        throw error;
      }
      await requestDispatch(deps.producer, request.log, [id], 'queue_settings_changed');
      return queue!;
    },
  );

  app.put(
    '/queues/:id/steps',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['routing'],
        summary: "Replace a queue's escalation steps (an empty list: one step, everyone in the queue)",
        params: IdParams,
        body: StepsBody,
        response: { 200: QueueDetailDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const steps = request.body;
      const queue = await withTransaction(deps.pool, async (tx) => {
        if (!(await getQueueSettings(tx, id, { lock: true }))) throw notFound('queue');
        const unknown = new Set(await unknownSkills(tx, steps.flatMap((s) => s.requiredSkills.map((r) => r.skill))));
        for (const [i, step] of steps.entries()) {
          const j = step.requiredSkills.findIndex((r) => unknown.has(r.skill));
          if (j >= 0) throw invalidField(`body.${i}.requiredSkills.${j}.skill`, `no skill named ${step.requiredSkills[j]!.skill}`);
        }
        await replaceSteps(tx, id, steps);
        return getQueueDetail(tx, id);
      });
      await requestDispatch(deps.producer, request.log, [id], 'steps_changed');
      return queue!;
    },
  );

  app.put(
    '/queues/:id/members',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['routing'],
        summary: "Replace a queue's members and their rings; removed members lose their pending offers from this queue",
        params: IdParams,
        body: MembersBody,
        response: { 200: QueueDetailDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const members = normalizeMembers(request.body);
      const now = deps.clock.now();
      const { queue, dispatch } = await withTransaction(deps.pool, async (tx) => {
        if (!(await getQueueSettings(tx, id))) throw notFound('queue');
        const unknown = new Set(await missingIds(tx, 'agents', members.map((m) => m.agentId)));
        const bad = members.find((m) => unknown.has(m.agentId));
        if (bad) throw invalidField(bad.path, `agent ${bad.agentId} does not exist`);
        await lockOffersOfLeavingMembers(tx, id, members.map((m) => m.agentId));
        const removed = await replaceMembers(tx, id, members);
        const again = new Set<string>([id]);
        for (const agentId of removed) for (const q of await rescindAgentOffers(tx, agentId, now, id)) again.add(q);
        return { queue: await getQueueDetail(tx, id), dispatch: [...again] };
      });
      // a new member may be online with room for work that is already waiting
      await requestDispatch(deps.producer, request.log, dispatch, 'members_changed');
      return queue!;
    },
  );

  registerSkillRoutes(deps, app);
  registerRoutingRuleRoutes(deps, app);
  registerRoutingCalendarRoutes(deps, app);
}
