import { z } from 'zod';
import { contactConversations, contactExists } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { hasRole, principalOf } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { ConversationDto, conversationExample, errorResponses, EXAMPLE_IDS, IdParams } from '../schemas.ts';

const HistoryQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

const HistoryPage = z.object({
  items: z.array(ConversationDto).describe('each with its inbox and channel'),
  nextCursor: z.string().nullable().describe('null on the last page'),
}).meta({ examples: [{ items: [conversationExample], nextCursor: EXAMPLE_IDS.cursor }] });

/** A contact's conversations across every channel, for the agent who has one of them open. */
export function registerContactHistoryRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/contacts/:id/conversations',
    {
      schema: {
        tags: ['contacts'],
        summary: "A contact's conversations in every inbox and channel, newest first (agents: those they may see)",
        description: 'An agent who may see none of the contact\'s conversations gets 404, as for a contact that does not exist.',
        params: IdParams,
        querystring: HistoryQuery,
        response: { 200: HistoryPage, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const viewer = principalOf(request);
      const { id } = request.params;
      const { limit, cursor } = request.query;
      // the cursor's (instant, id) pair here is (created_at, conversation id)
      const position = cursor ? decodeCursor(cursor) : undefined;
      const rows = await contactConversations(deps.pool, viewer, id, { limit, ...(position ? { before: { at: position.updatedAt, id: position.id } } : {}) });
      // an agent learns nothing about contacts outside their queues, not even that they exist
      if (rows.length === 0 && !position && (!hasRole(viewer, 'supervisor') || !(await contactExists(deps.pool, id)))) throw notFound('contact');
      const last = rows.length === limit ? rows.at(-1) : undefined;
      return { items: rows, nextCursor: last ? encodeCursor({ updatedAt: last.position, id: last.id }) : null };
    },
  );
}
