import { createHash, timingSafeEqual } from 'node:crypto';
import type { FastifyRequest, onRequestAsyncHookHandler } from 'fastify';
import { authenticateToken, type Pool, type Role, type Viewer } from '@switchboard/db';
import { forbidden, unauthorized } from '@switchboard/errors';

/** Who is calling, and with which token. The bootstrap admin token has no agent and no token row behind it. */
export type Principal = Viewer & { tokenId: string | null };

const RANK: Record<Role, number> = { agent: 0, supervisor: 1, admin: 2 };
// Tokens we issue are ~47 characters; anything far longer is not worth a database lookup.
const MAX_TOKEN_LENGTH = 512;

// A WeakMap rather than a decorated request: no global augmentation of fastify's types.
const principals = new WeakMap<FastifyRequest, Principal>();

const digest = (value: string) => createHash('sha256').update(value).digest();

function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer[ \t]+(\S+)[ \t]*$/i);
  return match?.[1];
}

/** onRequest hook: resolves the bearer token to a principal, or answers 401 (unknown, revoked or expired token). */
export function authenticate(deps: { pool: Pool; adminToken: string }): onRequestAsyncHookHandler {
  // Comparing fixed-length digests keeps timingSafeEqual from leaking the admin token's length.
  const adminDigest = digest(deps.adminToken);
  return async (request) => {
    const token = bearerToken(request.headers.authorization);
    if (!token) throw unauthorized('an Authorization: Bearer <token> header is required');
    if (token.length > MAX_TOKEN_LENGTH) throw unauthorized('invalid, expired or revoked token');
    if (timingSafeEqual(digest(token), adminDigest)) {
      principals.set(request, { agentId: null, role: 'admin', tokenId: null });
      return;
    }
    const found = await authenticateToken(deps.pool, token, new Date());
    if (!found) throw unauthorized('invalid, expired or revoked token');
    principals.set(request, { agentId: found.agentId, role: found.role, tokenId: found.tokenId });
  };
}

/** The principal when the request was authenticated; undefined on routes outside the authenticated scope. */
export function maybePrincipalOf(request: FastifyRequest): Principal | undefined {
  return principals.get(request);
}

export function principalOf(request: FastifyRequest): Principal {
  const principal = principals.get(request);
  if (!principal) throw new Error('route registered outside the authenticated scope');
  return principal;
}

export function hasRole(principal: Principal, min: Role): boolean {
  return RANK[principal.role] >= RANK[min];
}

/** onRequest hook for a route: 403 unless the caller has at least role `min`. */
export function requireRole(min: 'supervisor' | 'admin'): onRequestAsyncHookHandler {
  return async (request) => {
    if (!hasRole(principalOf(request), min)) throw forbidden(`this route needs the ${min} role`);
  };
}

/** The caller's agent id, for routes that act as an agent (presence, "me"). */
export function requireAgent(request: FastifyRequest): { agentId: string; role: Role } {
  const { agentId, role } = principalOf(request);
  if (!agentId) throw forbidden('this route acts as an agent: use an agent token, not the bootstrap admin token');
  return { agentId, role };
}

/** Replies and resolution belong to the assignee; supervisors and admins may step in. */
export function mayActOn(principal: Principal, conversation: { assigneeId: string | null }): boolean {
  return hasRole(principal, 'supervisor') || (principal.agentId !== null && principal.agentId === conversation.assigneeId);
}
