import { z } from 'zod';
import { createApiToken, getAgent, getApiToken, listApiTokens, revokeApiToken, TOKEN_KINDS } from '@switchboard/db';
import { forbidden, notFound } from '@switchboard/errors';
import { hasRole, principalOf, type Principal } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { invalidField } from '../error-handler.ts';
import { errorResponses, EXAMPLE_IDS, exampleAt, IdParams } from '../schemas.ts';

const MAX_LIFETIME_DAYS = 3650;

const tokenExample = {
  id: EXAMPLE_IDS.token,
  agentId: EXAMPLE_IDS.agent,
  name: 'CRM plug-in',
  kind: 'api' as const,
  createdAt: exampleAt('08:00:00'),
  lastUsedAt: exampleAt('09:41:00'),
  expiresAt: new Date('2026-03-14T00:00:00Z'),
  revokedAt: null,
};

export const TokenDto = z
  .object({
    id: z.uuid(),
    agentId: z.uuid(),
    name: z.string(),
    kind: z.enum(TOKEN_KINDS).describe('api: made with POST /tokens; login: issued by POST /auth/login'),
    createdAt: z.date(),
    lastUsedAt: z.date().nullable().describe('to within a minute'),
    expiresAt: z.date().nullable().describe('null: never expires'),
    revokedAt: z.date().nullable(),
  })
  .meta({ id: 'ApiToken', examples: [tokenExample] });

const CreatedToken = z
  .object({ token: TokenDto, secret: z.string() })
  .meta({ examples: [{ token: tokenExample, secret: 'sb_live_2hN7qW4xK9mP1vZ5rT8cL3yB6fD0jG' }] });

const CreateBody = z.object({
  name: z.string().trim().min(1).max(100).describe('what the token is for, e.g. "CRM plug-in"'),
  expiresAt: z.iso.datetime({ offset: true }).optional().describe('when the token stops working; omit for a token that does not expire'),
  agentId: z.uuid().optional().describe('admins only: whose token; default the caller'),
}).meta({ examples: [{ name: 'CRM plug-in', expiresAt: '2026-03-14T00:00:00Z' }, { name: 'Nightly export', agentId: EXAMPLE_IDS.agent }] });

const ListQuery = z.object({
  agent_id: z.uuid().optional().describe('admins: one agent\'s tokens (default every agent\'s); others may name only themselves'),
  include_revoked: z.enum(['true', 'false']).default('false'),
});

/** The agent a token request is about: oneself, or anyone for an admin. */
function ownerFor(principal: Principal, requested: string | undefined): string {
  if (requested && requested !== principal.agentId && !hasRole(principal, 'admin')) throw forbidden('only an admin may manage another agent\'s tokens');
  const owner = requested ?? principal.agentId;
  if (!owner) throw invalidField('body.agentId', 'is required with the bootstrap admin token, which has no agent of its own');
  return owner;
}

export function registerTokenRoutes(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Create a named API token for yourself (admins: for any agent); the secret is shown only in this response',
        body: CreateBody,
        response: { 201: CreatedToken, ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) => {
      const { name, expiresAt, agentId } = request.body;
      const owner = ownerFor(principalOf(request), agentId);
      const expiry = expiresAt ? new Date(expiresAt) : null;
      const now = deps.clock.now().getTime();
      if (expiry && expiry.getTime() <= now) throw invalidField('body.expiresAt', 'must be in the future');
      if (expiry && expiry.getTime() > now + MAX_LIFETIME_DAYS * 86_400_000) throw invalidField('body.expiresAt', `must be within ${MAX_LIFETIME_DAYS} days`);
      if (!(await getAgent(deps.pool, owner))) throw notFound('agent');
      const created = await createApiToken(deps.pool, { agentId: owner, name, expiresAt: expiry });
      return reply.code(201).send(created);
    },
  );

  app.get(
    '/tokens',
    {
      schema: {
        tags: ['tokens'],
        summary: 'List API tokens (never their secrets): your own, or any agent\'s for an admin',
        querystring: ListQuery,
        response: { 200: z.array(TokenDto), ...errorResponses(400, 403) },
      },
    },
    async (request) => {
      const principal = principalOf(request);
      const { agent_id: agentId, include_revoked: includeRevoked } = request.query;
      const owner = hasRole(principal, 'admin') ? agentId : ownerFor(principal, agentId);
      return listApiTokens(deps.pool, { ...(owner ? { agentId: owner } : {}), includeRevoked: includeRevoked === 'true' });
    },
  );

  app.delete(
    '/tokens/:id',
    {
      schema: {
        tags: ['tokens'],
        summary: 'Revoke a token at once (your own, or any for an admin)',
        params: IdParams,
        response: { 204: z.null(), ...errorResponses(404) },
      },
    },
    async (request, reply) => {
      const principal = principalOf(request);
      const token = await getApiToken(deps.pool, request.params.id);
      // another agent's token is answered like a missing one: its id reveals nothing
      if (!token || token.revokedAt || (token.agentId !== principal.agentId && !hasRole(principal, 'admin'))) throw notFound('token');
      await revokeApiToken(deps.pool, token.id);
      return reply.code(204).send(null);
    },
  );
}
