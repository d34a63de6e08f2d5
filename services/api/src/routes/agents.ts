import { z } from 'zod';
import { CAPACITY_POOLS } from '@switchboard/contracts';
import { createAgent, issueToken, listAgents, ROLES, withTransaction } from '@switchboard/db';
import { conflict } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { isUniqueViolation } from '../sql.ts';
import { AgentDto, agentExample, errorResponses } from '../schemas.ts';

const DEFAULT_CAPACITY = 3;
const Capacity = z.number().int().min(0).max(1000);

const Pool = z.enum(CAPACITY_POOLS);

const CreateAgentBody = z.object({
  name: z.string().trim().min(1).max(200),
  email: z.email().max(320).optional(),
  role: z.enum(ROLES).default('agent'),
  capacity: z
    .union([Capacity, z.partialRecord(Pool, Capacity)])
    .optional()
    .describe(
      `concurrent conversations: one number for every channel (and at most 1 callback call), or per channel and \`voice\` (unlisted get 0); default ${DEFAULT_CAPACITY}`,
    ),
}).meta({
  examples: [
    { name: 'Olga Petrova', email: 'olga.petrova@example.com', role: 'agent', capacity: 3 },
    { name: 'Ivan Sokolov', email: 'ivan.sokolov@example.com', role: 'supervisor', capacity: { telegram: 5, webchat: 3, voice: 1 } },
  ],
});

const CreatedAgent = z
  .object({ agent: AgentDto, token: z.string() })
  .meta({ examples: [{ agent: agentExample, token: 'sb_live_4fJ8kQ2mX9pL7vT1rZ6wN3cY0hB5dG' }] });

function capacityByChannel(input: z.infer<typeof CreateAgentBody>['capacity']): Record<string, number> {
  const perChannel = typeof input === 'object' ? input : undefined;
  const all = typeof input === 'number' ? input : perChannel ? 0 : DEFAULT_CAPACITY;
  // one phone call at a time unless the admin says otherwise per channel
  return Object.fromEntries(CAPACITY_POOLS.map((c) => [c, perChannel?.[c] ?? (c === 'voice' ? Math.min(all, 1) : all)]));
}

export function registerAgentRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/agents',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['agents'],
        summary: 'Create an agent and its API token (the token is shown only in this response)',
        body: CreateAgentBody,
        response: { 201: CreatedAgent, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      const { name, email, role, capacity } = request.body;
      try {
        const created = await withTransaction(deps.pool, async (tx) => {
          const agent = await createAgent(tx, { name, email: email ?? null, role, capacity: capacityByChannel(capacity) });
          return { agent, token: await issueToken(tx, agent.id) };
        });
        return reply.code(201).send(created);
      } catch (error) {
        if (isUniqueViolation(error, 'agents_email_key')) throw conflict('email_taken', `an agent with email ${email} already exists`);
        throw error;
      }
    },
  );

  app.get(
    '/agents',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['agents'], summary: 'List agents with presence and capacity', response: { 200: z.array(AgentDto), ...errorResponses(403) } },
    },
    async () => listAgents(deps.pool),
  );
}
