import { z } from 'zod';
import { searchMessages, SNIPPET_START, SNIPPET_STOP } from '@switchboard/db';
import { principalOf } from '../auth.ts';
import { decodeCursor, encodeCursor } from '../cursor.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { ConversationDto, conversationExample, errorResponses, EXAMPLE_IDS, exampleAt } from '../schemas.ts';

const SearchQuery = z.object({
  q: z
    .string()
    .trim()
    .min(1)
    .max(200)
    .describe('words (any form: "refunds" finds "refund", "заказы" finds "заказ"), "a phrase", -excluded, or'),
  limit: z.coerce.number().int().min(1).max(50).default(20),
  cursor: z.string().max(200).optional().describe('nextCursor of the previous page'),
});

const MatchDto = z.object({
  messageId: z.uuid(),
  seq: z.number().int(),
  direction: z.enum(['in', 'out']),
  isPrivate: z.boolean().describe('a private note: staff only, never sent to the customer'),
  snippet: z.string().describe(`the matching passage, matched words between ${SNIPPET_START} and ${SNIPPET_STOP}`),
  createdAt: z.date(),
});

const SearchPage = z.object({
  items: z.array(
    z.object({ conversation: ConversationDto, matches: z.array(MatchDto).describe('the newest matching messages, newest first, at most 3') }),
  ),
  nextCursor: z.string().nullable().describe('null on the last page'),
}).meta({
  examples: [
    {
      items: [
        {
          conversation: conversationExample,
          matches: [
            {
              messageId: EXAMPLE_IDS.message,
              seq: 1,
              direction: 'in',
              isPrivate: false,
              snippet: 'Здравствуйте! **Заказ** №4821 до сих пор не пришёл',
              createdAt: exampleAt('09:12:03'),
            },
          ],
        },
      ],
      nextCursor: null,
    },
  ],
});

const MATCHES_PER_CONVERSATION = 3;

/** Full-text search over messages, English and Russian, in conversations the caller may see. */
export function registerSearchRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/search',
    {
      schema: {
        tags: ['conversations'],
        summary: 'Search messages (replies, customer messages and private notes) in conversations you may see; newest match first',
        querystring: SearchQuery,
        response: { 200: SearchPage, ...errorResponses(400) },
      },
    },
    async (request) => {
      const { q, limit, cursor } = request.query;
      // the cursor's (instant, id) pair here is (newest match, conversation id)
      const position = cursor ? decodeCursor(cursor) : undefined;
      const hits = await searchMessages(deps.pool, principalOf(request), {
        query: q,
        limit,
        matchesPerConversation: MATCHES_PER_CONVERSATION,
        ...(position ? { before: { at: position.updatedAt, id: position.id } } : {}),
      });
      const last = hits.length === limit ? hits.at(-1) : undefined;
      return {
        items: hits.map(({ conversation, matches }) => ({ conversation, matches })),
        nextCursor: last ? encodeCursor({ updatedAt: last.lastMatchAt, id: last.conversation.id }) : null,
      };
    },
  );
}
