import { z } from 'zod';
import { getAgent, PRESENCE } from '@switchboard/db';
import { setAgentPresence } from '@switchboard/routing';
import { notFound } from '@switchboard/errors';
import { requireAgent } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { requestDispatch } from '../enqueue.ts';
import { AgentDto, errorResponses } from '../schemas.ts';

const StatusBody = z.object({ status: z.enum(PRESENCE) }).meta({ examples: [{ status: 'online' }, { status: 'away' }] });

export function registerMeRoutes(deps: ApiDeps, app: ZodApp): void {
  app.get(
    '/me',
    { schema: { tags: ['me'], summary: 'The calling agent, with presence and capacity', response: { 200: AgentDto, ...errorResponses(403) } } },
    async (request) => {
      const agent = await getAgent(deps.pool, requireAgent(request).agentId);
      if (!agent) throw notFound('agent');
      return agent;
    },
  );

  app.put(
    '/me/status',
    {
      schema: {
        tags: ['me'],
        summary: 'Set presence; going online lets waiting conversations in your queues reach you',
        body: StatusBody,
        response: { 200: AgentDto, ...errorResponses(400, 403) },
      },
    },
    async (request) => {
      const { agentId } = requireAgent(request);
      const { status } = request.body;
      const { dispatch } = await setAgentPresence(deps.pool, { agentId, status, clock: deps.clock });
      await requestDispatch(deps.producer, request.log, dispatch, status === 'online' ? 'agent_online' : 'offers_rescinded');
      const agent = await getAgent(deps.pool, agentId);
      if (!agent) throw notFound('agent');
      return agent;
    },
  );
}
