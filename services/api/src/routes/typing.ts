import { z } from 'zod';
import { webchatChannelName, type WebchatPush } from '@switchboard/channels';
import { getConversation } from '@switchboard/db';
import { notFound } from '@switchboard/errors';
import { principalOf } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { errorResponses, IdParams } from '../schemas.ts';

const TypingBody = z
  .object({ typing: z.boolean().describe('true while the agent types; false when they stop without sending') })
  .meta({ examples: [{ typing: true }] });
const TypingResult = z
  .object({ shown: z.boolean().describe('whether the customer can see it: web chat shows typing; other channels do not (yet)') })
  .meta({ examples: [{ shown: true }] });

/**
 * `POST /conversations/:id/typing`: the agent is typing. Web-chat visitors see it live (the same
 * pub/sub channel that carries replies); nothing is stored, a lost indicator is harmless.
 */
export function registerTypingRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/conversations/:id/typing',
    {
      schema: {
        tags: ['messages'],
        summary: 'Show the customer that an agent is typing (web chat)',
        params: IdParams,
        body: TypingBody,
        response: { 200: TypingResult, ...errorResponses(400, 404) },
      },
    },
    async (request) => {
      const conversation = await getConversation(deps.pool, request.params.id, principalOf(request));
      if (!conversation) throw notFound('conversation');
      if (conversation.channel !== 'webchat' || conversation.kind !== 'chat' || !deps.publish) return { shown: false };
      const push: WebchatPush = { type: 'typing', typing: request.body.typing };
      try {
        await deps.publish(webchatChannelName(conversation.inboxId, conversation.threadKey), JSON.stringify(push));
      } catch (error) {
        // an indicator is not worth an error: the reply itself is what must arrive
        request.log.warn({ err: error, conversationId: conversation.id }, 'could not publish typing');
        return { shown: false };
      }
      return { shown: true };
    },
  );
}
