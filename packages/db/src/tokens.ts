import { generateToken, hashToken, type Role } from './agents.ts';
import type { Queryable } from './pool.ts';

/** Tokens an agent makes for a tool, and the ones password login issues. */
export const TOKEN_KINDS = ['api', 'login'] as const;
export type TokenKind = (typeof TOKEN_KINDS)[number];

/** A token as its owner may see it: never the secret, which is shown once and stored hashed. */
export interface ApiToken {
  id: string;
  agentId: string;
  name: string;
  kind: TokenKind;
  createdAt: Date;
  lastUsedAt: Date | null;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

/** Who a live token belongs to. */
export interface TokenPrincipal {
  tokenId: string;
  agentId: string;
  role: Role;
}

const SELECT_TOKEN = `
  select id, agent_id as "agentId", name, kind, created_at as "createdAt", last_used_at as "lastUsedAt",
         expires_at as "expiresAt", revoked_at as "revokedAt"
    from api_tokens`;

// last_used_at is written at most once a minute per token: not one UPDATE per request
const LAST_USED_RESOLUTION = '1 minute';

export async function createApiToken(
  db: Queryable,
  input: { agentId: string; name: string; kind?: TokenKind; expiresAt?: Date | null },
): Promise<{ token: ApiToken; secret: string }> {
  const secret = generateToken();
  const { rows } = await db.query<{ id: string }>(
    `insert into api_tokens(agent_id, token_hash, name, kind, expires_at) values ($1, $2, $3, $4, $5) returning id`,
    [input.agentId, hashToken(secret), input.name, input.kind ?? 'api', input.expiresAt ?? null],
  );
  return { token: (await getApiToken(db, rows[0]!.id))!, secret };
}

export async function getApiToken(db: Queryable, id: string): Promise<ApiToken | undefined> {
  const { rows } = await db.query(`${SELECT_TOKEN} where id = $1`, [id]);
  return rows[0] as ApiToken | undefined;
}

/** Tokens of one agent (or of everyone), newest first; revoked ones only when asked. */
export async function listApiTokens(db: Queryable, filter: { agentId?: string; includeRevoked?: boolean }): Promise<ApiToken[]> {
  const { rows } = await db.query(
    `${SELECT_TOKEN} where ($1::uuid is null or agent_id = $1) and ($2 or revoked_at is null) order by created_at desc, id`,
    [filter.agentId ?? null, filter.includeRevoked ?? false],
  );
  return rows as ApiToken[];
}

/** Revokes a live token; false when it does not exist or was already revoked. */
export async function revokeApiToken(db: Queryable, id: string): Promise<boolean> {
  const { rowCount } = await db.query(`update api_tokens set revoked_at = now() where id = $1 and revoked_at is null`, [id]);
  return rowCount === 1;
}

/**
 * The agent behind a bearer token, when the token is neither revoked nor expired; records its
 * use (coarsely, see LAST_USED_RESOLUTION).
 */
export async function authenticateToken(db: Queryable, secret: string, now: Date): Promise<TokenPrincipal | undefined> {
  const { rows } = await db.query<TokenPrincipal & { stale: boolean }>(
    `select t.id as "tokenId", a.id as "agentId", a.role,
            (t.last_used_at is null or t.last_used_at < $2::timestamptz - interval '${LAST_USED_RESOLUTION}') as stale
       from api_tokens t join agents a on a.id = t.agent_id
      where t.token_hash = $1 and t.revoked_at is null and (t.expires_at is null or t.expires_at > $2)`,
    [hashToken(secret), now],
  );
  const row = rows[0];
  if (!row) return undefined;
  if (row.stale) await db.query(`update api_tokens set last_used_at = $2 where id = $1`, [row.tokenId, now]);
  return { tokenId: row.tokenId, agentId: row.agentId, role: row.role };
}

export async function setPasswordHash(db: Queryable, agentId: string, passwordHash: string | null): Promise<boolean> {
  const { rowCount } = await db.query(`update agents set password_hash = $2 where id = $1`, [agentId, passwordHash]);
  return rowCount === 1;
}

/** The agent a login email names, with its password hash (null: no password set). */
export async function findLoginByEmail(db: Queryable, email: string): Promise<{ agentId: string; passwordHash: string | null } | undefined> {
  const { rows } = await db.query<{ agentId: string; passwordHash: string | null }>(
    `select id as "agentId", password_hash as "passwordHash" from agents where lower(email) = lower($1)`,
    [email],
  );
  return rows[0];
}
