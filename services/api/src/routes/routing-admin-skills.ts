import { z } from 'zod';
import { CAPACITY_POOLS } from '@switchboard/contracts';
import { agentQueueIds, getAgent, withTransaction } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { getAgentSkills, getCapacity, poolsInUse, replaceAgentSkills, replacePools } from '../agent-routing-sql.ts';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { unknownSkills } from '../queue-routing-sql.ts';
import { AgentSkillsBody, AgentSkillsDto, CapacityBody, CapacityDto, SkillDto } from '../routing-schemas.ts';
import { errorResponses, IdParams } from '../schemas.ts';
import { isUniqueViolation } from '../sql.ts';

const SkillBody = z.object({ name: z.string().trim().min(1).max(100) }).meta({ examples: [{ name: 'russian' }] });

/** Skills, an agent's proficiencies, and an agent's capacity (per channel or weighted units). */
export function registerSkillRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/skills',
    { onRequest: requireRole('admin'), schema: { tags: ['routing'], summary: 'Create a skill', body: SkillBody, response: { 201: SkillDto, ...errorResponses(400, 403, 409) } } },
    async (request, reply) => {
      try {
        const { rows } = await deps.pool.query(`insert into skills(name) values ($1) returning id, name`, [request.body.name]);
        return reply.code(201).send(rows[0]);
      } catch (error) {
        if (isUniqueViolation(error, 'skills_name_key')) throw conflict('skill_name_taken', `a skill named ${request.body.name} already exists`);
        throw error;
      }
    },
  );

  app.get(
    '/skills',
    { onRequest: requireRole('supervisor'), schema: { tags: ['routing'], summary: 'List skills', response: { 200: z.array(SkillDto), ...errorResponses(403) } } },
    async () => (await deps.pool.query(`select id, name from skills order by name`)).rows,
  );

  app.get(
    '/agents/:id/skills',
    { onRequest: requireRole('supervisor'), schema: { tags: ['routing'], summary: "An agent's skills", params: IdParams, response: { 200: AgentSkillsDto, ...errorResponses(403, 404) } } },
    async (request) => {
      const { id } = request.params;
      if (!(await getAgent(deps.pool, id))) throw notFound('agent');
      return { agentId: id, skills: await getAgentSkills(deps.pool, id) };
    },
  );

  app.put(
    '/agents/:id/skills',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['routing'], summary: "Replace an agent's skills and proficiencies (1..5)", params: IdParams, body: AgentSkillsBody, response: { 200: AgentSkillsDto, ...errorResponses(400, 403, 404) } },
    },
    async (request) => {
      const { id } = request.params;
      const skills = request.body;
      const seen = new Set<string>();
      for (const [i, s] of skills.entries()) {
        if (seen.has(s.skill)) throw invalidField(`body.${i}.skill`, `${s.skill} is listed twice`);
        seen.add(s.skill);
      }
      const result = await withTransaction(deps.pool, async (tx) => {
        if (!(await getAgent(tx, id))) throw notFound('agent');
        const unknown = new Set(await unknownSkills(tx, [...seen]));
        const bad = skills.findIndex((s) => unknown.has(s.skill));
        if (bad >= 0) throw invalidField(`body.${bad}.skill`, `no skill named ${skills[bad]!.skill}`);
        await replaceAgentSkills(tx, id, skills);
        return { agentId: id, skills: await getAgentSkills(tx, id) };
      });
      await requestDispatch(deps.producer, request.log, await agentQueueIds(deps.pool, id), 'skills_changed');
      return result;
    },
  );

  app.get(
    '/agents/:id/capacity',
    { onRequest: requireRole('supervisor'), schema: { tags: ['routing'], summary: "An agent's capacity pools and load", params: IdParams, response: { 200: CapacityDto, ...errorResponses(403, 404) } } },
    async (request) => {
      if (!(await getAgent(deps.pool, request.params.id))) throw notFound('agent');
      return getCapacity(deps.pool, request.params.id);
    },
  );

  app.put(
    '/agents/:id/capacity',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['routing'],
        summary: "Set an agent's capacity: per channel, or weighted units from one total; lowering it under the current load only stops new work",
        params: IdParams,
        body: CapacityBody,
        response: { 200: CapacityDto, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const body = request.body;
      const weighted = 'total' in body && 'costs' in body ? (body as { total: number; costs: Record<string, number> }) : undefined;
      const perChannel = weighted ? undefined : (body as Record<string, number>);
      const capacities: Record<string, number> = weighted ? { '*': weighted.total } : Object.fromEntries(CAPACITY_POOLS.map((c) => [c, perChannel?.[c] ?? 0]));
      const result = await withTransaction(deps.pool, async (tx) => {
        if (!(await getAgent(tx, id))) throw notFound('agent');
        const busy = await poolsInUse(tx, id, (pool) => !(pool in capacities));
        if (busy.length) throw conflict('agent_has_load', `the agent still holds work in ${busy.join(', ')}: switch capacity modes once it is done`);
        await replacePools(tx, id, capacities, weighted?.costs ?? {});
        return getCapacity(tx, id);
      });
      await requestDispatch(deps.producer, request.log, await agentQueueIds(deps.pool, id), 'capacity_changed');
      return result;
    },
  );
}
