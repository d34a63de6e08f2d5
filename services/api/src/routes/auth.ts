import { randomBytes } from 'node:crypto';
import { hash, verify } from '@node-rs/argon2';
import { z } from 'zod';
import { createApiToken, findLoginByEmail, setPasswordHash } from '@switchboard/db';
import { notFound, unauthorized } from '@switchboard/errors';
import { requireRole } from '../auth.ts';
import type { ApiDeps, ZodApp } from '../deps.ts';
import { hitLimit } from '../rate-limit.ts';
import { ErrorBody, errorResponses, EXAMPLE_IDS, exampleAt, IdParams } from '../schemas.ts';

export const LOGIN_TOKEN_TTL_MS = 12 * 3_600_000;
/** Login attempts per email and IP address in one window. */
export const LOGIN_ATTEMPTS = 10;
const LOGIN_WINDOW_MS = 15 * 60_000;
const BAD_LOGIN = 'invalid email or password';

const PasswordBody = z.object({
  password: z.string().min(12, 'must be at least 12 characters').max(256).describe('stored as an argon2id hash'),
}).meta({ examples: [{ password: 'correct-horse-battery-staple' }] });

const LoginBody = z
  .object({ email: z.string().trim().min(1).max(320), password: z.string().min(1).max(256) })
  .meta({ examples: [{ email: 'olga.petrova@example.com', password: 'correct-horse-battery-staple' }] });

const LoginReply = z.object({
  token: z.string().describe('a bearer token; list or revoke it under /tokens'),
  tokenId: z.uuid(),
  agentId: z.uuid(),
  expiresAt: z.date(),
}).meta({
  examples: [{ token: 'sb_live_9pT3wK7mQ1xV5zR8cL2nB6yF0hD4jG', tokenId: EXAMPLE_IDS.token, agentId: EXAMPLE_IDS.agent, expiresAt: exampleAt('20:00:00') }],
});

// an email without a password is verified against this hash, so it costs the same as a wrong password
let dummyHash: Promise<string> | undefined;
const dummy = () => (dummyHash ??= hash(randomBytes(16).toString('hex')));

/** `PUT|DELETE /agents/:id/password`: admins give an agent a password for POST /auth/login. */
export function registerPasswordRoutes(deps: ApiDeps, app: ZodApp): void {
  app.put(
    '/agents/:id/password',
    {
      onRequest: requireRole('admin'),
      schema: {
        tags: ['auth'],
        summary: "Set an agent's password for POST /auth/login (argon2id); tokens already issued stay valid",
        params: IdParams,
        body: PasswordBody,
        response: { 204: z.null(), ...errorResponses(400, 403, 404) },
      },
    },
    async (request, reply) => {
      // argon2id with the library's defaults (19 MiB, 2 passes): OWASP's recommended minimum
      const passwordHash = await hash(request.body.password);
      if (!(await setPasswordHash(deps.pool, request.params.id, passwordHash))) throw notFound('agent');
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/agents/:id/password',
    {
      onRequest: requireRole('admin'),
      schema: { tags: ['auth'], summary: "Remove an agent's password: login stops working, tokens stay valid", params: IdParams, response: { 204: z.null(), ...errorResponses(403, 404) } },
    },
    async (request, reply) => {
      if (!(await setPasswordHash(deps.pool, request.params.id, null))) throw notFound('agent');
      return reply.code(204).send(null);
    },
  );
}

/** `POST /auth/login`, outside the authenticated scope. */
export function registerLoginRoute(deps: ApiDeps, app: ZodApp): void {
  app.post(
    '/auth/login',
    {
      schema: {
        tags: ['auth'],
        summary: `Exchange an email and password for a bearer token that expires in ${LOGIN_TOKEN_TTL_MS / 3_600_000} h`,
        security: [],
        body: LoginBody,
        response: { 200: LoginReply, ...errorResponses(400), 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const { email, password } = request.body;
      if (deps.redis) {
        const bucket = `${deps.queuePrefix ?? 'sb'}:api-login:${request.ip}:${email.toLowerCase()}`;
        await hitLimit({ redis: deps.redis, logger: deps.logger }, reply, bucket, LOGIN_ATTEMPTS, LOGIN_WINDOW_MS, 'too many login attempts');
      }
      const login = await findLoginByEmail(deps.pool, email);
      // hash anyway: an unknown email or one without a password takes as long as a wrong password
      const matches = await verify(login?.passwordHash ?? (await dummy()), password);
      if (!login?.passwordHash || !matches) throw unauthorized(BAD_LOGIN);
      const expiresAt = new Date(Date.now() + LOGIN_TOKEN_TTL_MS);
      const { token, secret } = await createApiToken(deps.pool, { agentId: login.agentId, name: 'login', kind: 'login', expiresAt });
      return { token: secret, tokenId: token.id, agentId: login.agentId, expiresAt };
    },
  );
}
