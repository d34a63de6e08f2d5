import { z } from 'zod';
import { withTransaction, type Queryable } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import { deleteRow, getRow, insertRow, listRows, missingIds, updateRow, type Table } from '../crud-sql.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { unknownSkills } from '../queue-routing-sql.ts';
import { RoutingRuleBody, RoutingRuleDto, RoutingRulePatch } from '../routing-schemas.ts';
import { errorResponses, IdParams } from '../schemas.ts';

const RULES: Table = {
  name: 'routing_rules',
  columns: {
    name: 'name', position: 'position', match: 'match', queueId: 'queue_id', priority: 'priority',
    requiredSkills: 'required_skills', ageAdjustS: 'age_adjust_s', enabled: 'enabled',
  },
  json: ['match', 'requiredSkills'],
  orderBy: 'position, created_at, id',
};

type Rule = z.infer<typeof RoutingRuleDto>;

/** What a rule points at must exist: its queue, its skills, the inbox it matches on. */
async function assertRuleReferences(db: Queryable, rule: z.infer<typeof RoutingRulePatch>): Promise<void> {
  if (rule.queueId && (await missingIds(db, 'queues', [rule.queueId])).length) throw invalidField('body.queueId', `queue ${rule.queueId} does not exist`);
  const inboxIds = rule.match?.inboxId === undefined ? [] : [rule.match.inboxId].flat();
  const [missingInbox] = await missingIds(db, 'inboxes', inboxIds);
  if (missingInbox) throw invalidField('body.match.inboxId', `inbox ${missingInbox} does not exist`);
  const skills = rule.requiredSkills ?? [];
  const unknown = new Set(await unknownSkills(db, skills.map((s) => s.skill)));
  const bad = skills.findIndex((s) => unknown.has(s.skill));
  if (bad >= 0) throw invalidField(`body.requiredSkills.${bad}.skill`, `no skill named ${skills[bad]!.skill}`);
}

/** Routing rules: which queue, priority and skills a new conversation gets (the first enabled match by position). */
export function registerRoutingRuleRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/routing-rules',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['routing'], summary: 'Create a routing rule', body: RoutingRuleBody, response: { 201: RoutingRuleDto, ...errorResponses(400, 403) } },
    },
    async (request, reply) => {
      const rule = await withTransaction(deps.pool, async (tx) => {
        await assertRuleReferences(tx, request.body);
        return insertRow<Rule>(tx, RULES, request.body);
      });
      return reply.code(201).send(rule);
    },
  );

  app.get(
    '/routing-rules',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['routing'], summary: 'List routing rules in the order they are tried', response: { 200: z.array(RoutingRuleDto), ...errorResponses(403) } },
    },
    async () => listRows<Rule>(deps.pool, RULES),
  );

  app.get(
    '/routing-rules/:id',
    { onRequest: requireRole('supervisor'), schema: { tags: ['routing'], summary: 'One routing rule', params: IdParams, response: { 200: RoutingRuleDto, ...errorResponses(403, 404) } } },
    async (request) => {
      const rule = await getRow<Rule>(deps.pool, RULES, request.params.id);
      if (!rule) throw notFound('routing rule');
      return rule;
    },
  );

  app.patch(
    '/routing-rules/:id',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['routing'], summary: 'Change a routing rule (any subset)', params: IdParams, body: RoutingRulePatch, response: { 200: RoutingRuleDto, ...errorResponses(400, 403, 404) } },
    },
    async (request) =>
      withTransaction(deps.pool, async (tx) => {
        await assertRuleReferences(tx, request.body);
        const rule = await updateRow<Rule>(tx, RULES, request.params.id, request.body);
        if (!rule) throw notFound('routing rule');
        return rule;
      }),
  );

  app.delete(
    '/routing-rules/:id',
    { onRequest: requireRole('admin'), schema: { tags: ['routing'], summary: 'Delete a routing rule', params: IdParams, response: { 204: z.null(), ...errorResponses(403, 404) } } },
    async (request, reply) => {
      if (!(await deleteRow(deps.pool, RULES, request.params.id))) throw notFound('routing rule');
      return reply.code(204).send(null);
    },
  );
}
