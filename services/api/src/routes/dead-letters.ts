import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import { conflict, HttpError, notFound } from '@switchboard/errors';
import { principalOf, requireRole } from '../auth.ts';
import type { QueueName as CatalogQueue } from '@switchboard/contracts';
import { decodeCursor, QUEUE_NAMES, type Actor, type DeadLetters } from '../dead-letters.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt } from '../schemas.ts';

/**
 * Dead letters (admin only): jobs of every catalog queue that failed for good, kept 14 days.
 * Replay runs one again with fresh attempts; discard drops it. Both are audited. The same
 * operations are scripted in scripts/replay-dead-letters.ts; docs/reliability.md explains them.
 */

const QueueName = z.enum(QUEUE_NAMES as [CatalogQueue, ...CatalogQueue[]]).describe('a queue of the catalog (packages/contracts/src/queues.ts)');
const CURSOR_EXAMPLE = 'WzE3NDE5NDU1MTkwMDAsIm91dGJvdW5kLXRlbGVncmFtIiwidkk4bDJiMlFtMG5VN2YzY1IxZEU5eGtxVDVvQTB3NFoiXQ';

const deadLetterExample = {
  queue: 'outbound-telegram' as const,
  jobId: 'vI8l2b2Qm0nU7f3cR1dE9xkqT5oA0w4Z',
  name: 'outbound-telegram',
  summary: { messageId: EXAMPLE_IDS.reply, channel: 'telegram' },
  failedReason: 'retries_exhausted: Telegram answered 502 Bad Gateway',
  attemptsMade: 8,
  createdAt: exampleAt('09:41:07'),
  failedAt: exampleAt('09:45:19'),
};

const deadLetterShape = {
  queue: QueueName,
  jobId: z.string(),
  name: z.string(),
  summary: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])).describe("the payload's top-level scalar fields (ids, channel, type)"),
  failedReason: z.string().describe('the last error'),
  attemptsMade: z.number().int(),
  createdAt: z.date(),
  failedAt: z.date().nullable(),
};

const DeadLetterDto = z.object(deadLetterShape).meta({ id: 'DeadLetter', examples: [deadLetterExample] });

const DeadLetterDetailDto = z
  .object({
    ...deadLetterShape,
    data: z.unknown().describe('the whole job payload'),
    stacktrace: z.array(z.string()).describe('one stack per failed attempt, oldest first'),
    processedAt: z.date().nullable().describe('when the last attempt started'),
    attempts: z.number().int().describe('attempts allowed'),
  })
  .meta({
    id: 'DeadLetterDetail',
    examples: [{ ...deadLetterExample, data: { messageId: EXAMPLE_IDS.reply, channel: 'telegram' }, stacktrace: ['RetryableError: Telegram answered 502 Bad Gateway\n    at classify (send.ts:41:11)'], processedAt: exampleAt('09:45:18'), attempts: 8 }],
  });

const DeadLetterPage = z
  .object({ items: z.array(DeadLetterDto), nextCursor: z.string().nullable().describe('null on the last page') })
  .meta({ examples: [{ items: [deadLetterExample], nextCursor: CURSOR_EXAMPLE }] });

const ListQuery = z.object({
  queue: QueueName.optional().describe('only this queue; every queue of the catalog when absent'),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z
    .string()
    .max(1_000)
    .refine((c) => decodeCursor(c) !== undefined, 'a nextCursor returned by this API')
    .optional()
    .describe('nextCursor of the previous page'),
});

const JobParams = z.object({ queue: QueueName, jobId: z.string().min(1).max(200) });

const Replayed = z
  .object({ queue: QueueName, jobId: z.string(), messageReset: z.boolean().describe('an outbound reply was set back from `failed` to `queued`') })
  .meta({ examples: [{ queue: 'outbound-telegram' as const, jobId: deadLetterExample.jobId, messageReset: true }] });

function actorOf(request: FastifyRequest): Actor {
  const { agentId, role } = principalOf(request);
  return { agentId, role, label: agentId ? `${role} ${agentId}` : 'the bootstrap admin' };
}

/** `store` is absent when the API was built without a queue prefix (tests that need no queues): 503. */
export function registerDeadLetterRoutes(deps: ApiDeps, app: ZodApp, store?: DeadLetters): void {
  const dead = (): DeadLetters => {
    if (!store) throw new HttpError(503, 'queues_unavailable', 'this API instance has no queue access');
    return store;
  };
  const admin = { onRequest: requireRole('admin') };
  const tags = ['dead-letters'];

  app.get(
    '/dead-letters',
    {
      ...admin,
      schema: { tags, summary: 'Jobs that failed for good, newest first, across every queue', querystring: ListQuery, response: { 200: DeadLetterPage, ...errorResponses(400, 403) } },
    },
    async (request) => {
      const { queue, limit, cursor } = request.query;
      return dead().list({ limit, ...(queue ? { queue } : {}), ...(cursor ? { cursor } : {}) });
    },
  );

  app.get(
    '/dead-letters/:queue/:jobId',
    { ...admin, schema: { tags, summary: 'One dead letter: its whole payload and the stack of each attempt', params: JobParams, response: { 200: DeadLetterDetailDto, ...errorResponses(400, 403, 404) } } },
    async (request) => {
      const found = await dead().get(request.params.queue, request.params.jobId);
      if (!found) throw notFound('dead letter');
      return found;
    },
  );

  app.post(
    '/dead-letters/:queue/:jobId/replay',
    {
      ...admin,
      schema: {
        tags,
        summary: 'Run a dead letter again, with fresh attempts',
        description: 'An outbound reply is first set back from `failed` to `queued` (a `message.status` event says so), so egress sends it. Fix the cause first: a job that fails again comes back here. 409 when the job is no longer failed.',
        params: JobParams,
        response: { 202: Replayed, ...errorResponses(400, 403, 404, 409) },
      },
    },
    async (request, reply) => {
      const { queue, jobId } = request.params;
      const outcome = await dead().replay(deps.pool, queue, jobId, actorOf(request));
      if (outcome.kind === 'not_found') throw notFound('dead letter');
      if (outcome.kind === 'not_failed') throw conflict('not_failed', `the job is ${outcome.state}, not failed`);
      return reply.code(202).send({ queue, jobId, messageReset: outcome.messageReset });
    },
  );

  app.delete(
    '/dead-letters/:queue/:jobId',
    { ...admin, schema: { tags, summary: 'Discard a dead letter', params: JobParams, response: { 204: z.null(), ...errorResponses(400, 403, 404) } } },
    async (request, reply) => {
      if (!(await dead().discard(deps.pool, request.params.queue, request.params.jobId, actorOf(request)))) throw notFound('dead letter');
      return reply.code(204).send(null);
    },
  );
}
