import { z } from 'zod';
import { createQueue, getQueue, listQueues, setQueueMembers, withTransaction, type Queryable } from '@switchboard/db';
import { conflict, notFound } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { invalidField } from '../error-handler.ts';
import { isUniqueViolation, unknownAgentIds } from '../sql.ts';
import { errorResponses, IdParams, QueueDto } from '../schemas.ts';

const MemberIds = z.array(z.uuid()).max(1000).describe('agent ids');
const CreateQueueBody = z.object({ name: z.string().trim().min(1).max(200), memberIds: MemberIds.default([]) });
const MembersBody = z.object({ memberIds: MemberIds });

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

  app.put(
    '/queues/:id/members',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['queues'],
        summary: "Replace a queue's members",
        params: IdParams,
        body: MembersBody,
        response: { 200: QueueDto, ...errorResponses(400, 403, 404) },
      },
    },
    async (request) => {
      const { id } = request.params;
      const { memberIds } = request.body;
      const queue = await withTransaction(deps.pool, async (tx) => {
        if (!(await getQueue(tx, id))) throw notFound('queue');
        await assertAgentsExist(tx, memberIds);
        await setQueueMembers(tx, id, [...new Set(memberIds)]);
        return getQueue(tx, id);
      });
      // a new member may be online with room for work that is already waiting
      await requestDispatch(deps.producer, request.log, [id], 'members_changed');
      return queue!;
    },
  );
}
