import { z } from 'zod';
import { createQueue, listQueues, withTransaction, type Queryable } from '@switchboard/db';
import { conflict } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { isUniqueViolation, unknownAgentIds } from '../sql.ts';
import { errorResponses, EXAMPLE_IDS, QueueDto } from '../schemas.ts';

const MemberIds = z.array(z.uuid()).max(1000).describe('agent ids');
const CreateQueueBody = z
  .object({ name: z.string().trim().min(1).max(200), memberIds: MemberIds.default([]) })
  .meta({ examples: [{ name: 'Support RU', memberIds: [EXAMPLE_IDS.agent, EXAMPLE_IDS.supervisor] }] });

async function assertAgentsExist(db: Queryable, ids: string[]): Promise<void> {
  const unknown = new Set(await unknownAgentIds(db, ids));
  const index = ids.findIndex((id) => unknown.has(id));
  if (index >= 0) throw invalidField(`body.memberIds.${index}`, `agent ${ids[index]} does not exist`);
}

export function registerQueueRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/queues',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['queues'],
        summary: 'Create a queue (team) with its members',
        body: CreateQueueBody,
        response: { 201: QueueDto, ...errorResponses(400, 403, 409) },
      },
    },
    async (request, reply) => {
      const { name, memberIds } = request.body;
      try {
        const queue = await withTransaction(deps.pool, async (tx) => {
          await assertAgentsExist(tx, memberIds);
          return createQueue(tx, { name, memberIds: [...new Set(memberIds)] });
        });
        return reply.code(201).send(queue);
      } catch (error) {
        if (isUniqueViolation(error, 'queues_name_key')) throw conflict('queue_name_taken', `a queue named ${name} already exists`);
        throw error;
      }
    },
  );

  app.get(
    '/queues',
    {
      onRequest: requireRole('supervisor'),
      schema: { tags: ['queues'], summary: 'List queues and their members', response: { 200: z.array(QueueDto), ...errorResponses(403) } },
    },
    async () => listQueues(deps.pool),
  );
  // PUT /queues/:id/members (with rings) lives in routing-admin.ts
}
