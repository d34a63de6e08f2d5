import { createHash } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Pool, Queryable, SecretBox } from '@switchboard/db';
import { HttpError } from '@switchboard/errors';
import { principalOf } from './auth.ts';
import type { ApiDeps, ZodApp } from './deps.ts';
import { invalidField } from './error-handler.ts';

/**
 * `Idempotency-Key` on every authenticated POST: the first request's status and body are kept
 * 24 h (the body sealed with the secret key) under (caller, method + route, key) and replayed to every retry, which has no second effect.
 *
 * - the same key with a different request (URL or body) → 422 `idempotency_key_reused`;
 * - a retry while the first request still runs waits for its answer (up to WAIT_MS), then gets
 *   409 `request_in_progress` with Retry-After: two concurrent identical POSTs make one effect
 *   and, unless the first takes longer than WAIT_MS, both get the same answer;
 * - 5xx answers are not kept (nothing was done, or it is unknown): a retry runs again;
 * - validation (400), authentication and role failures happen before the key is claimed.
 *
 * A claim left by a crashed process lapses after LOCK_MS. The reply route keeps its own
 * per-conversation key (messages.idempotency_key, answering 200 to a retry), so it is skipped here.
 */
export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
const LOCK_MS = 60_000;
const WAIT_MS = 10_000;
const MAX_KEY_LENGTH = 200;
const PURGE_EVERY_MS = 10 * 60_000;
const OWN_KEY_HANDLING = new Set(['POST /api/v1/conversations/:id/messages']);

interface Claim {
  principal: string;
  route: string;
  key: string;
}

type Outcome =
  | { kind: 'claimed' }
  | { kind: 'mismatch' }
  | { kind: 'running' }
  | { kind: 'done'; status: number; contentType: string | null; body: string };

const claims = new WeakMap<FastifyRequest, Claim>();

/** JSON with sorted keys, so `{a,b}` and `{b,a}` are the same request. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    return `{${entries.sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

function fingerprint(request: FastifyRequest): Buffer {
  // a multipart upload is not parsed before the handler: its type and length stand for the body
  const body = request.body === undefined ? `${request.headers['content-type'] ?? ''};${request.headers['content-length'] ?? ''}` : canonical(request.body);
  return createHash('sha256').update(`${request.url}\n${body}`).digest();
}

async function claimOrRead(db: Queryable, box: SecretBox, claim: Claim, print: Buffer): Promise<Outcome> {
  // a new key, an expired one, or an abandoned claim: this request runs
  const { rowCount } = await db.query(
    `insert into idempotency_keys(principal, route, key, fingerprint, locked_until, expires_at)
     values ($1, $2, $3, $4, now() + make_interval(secs => $5), now() + make_interval(secs => $6))
     on conflict (principal, route, key) do update
        set fingerprint = excluded.fingerprint, status = null, content_type = null, body = null,
            locked_until = excluded.locked_until, created_at = now(), expires_at = excluded.expires_at
      where idempotency_keys.expires_at <= now() or (idempotency_keys.status is null and idempotency_keys.locked_until <= now())`,
    [claim.principal, claim.route, claim.key, print, LOCK_MS / 1000, IDEMPOTENCY_TTL_MS / 1000],
  );
  if (rowCount === 1) return { kind: 'claimed' };
  const { rows } = await db.query<{ fingerprint: Buffer; status: number | null; contentType: string | null; body: Buffer | null }>(
    `select fingerprint, status, content_type as "contentType", body from idempotency_keys where principal = $1 and route = $2 and key = $3`,
    [claim.principal, claim.route, claim.key],
  );
  const row = rows[0];
  if (!row) return { kind: 'running' }; // released by a 5xx a moment ago: claim again on the next pass
  if (!row.fingerprint.equals(print)) return { kind: 'mismatch' };
  if (row.status === null) return { kind: 'running' };
  return { kind: 'done', status: row.status, contentType: row.contentType, body: row.body ? box.open<string>(row.body) : '' };
}

async function complete(db: Queryable, box: SecretBox, claim: Claim, status: number, contentType: string | null, body: string): Promise<void> {
  await db.query(
    `update idempotency_keys set status = $4, content_type = $5, body = $6 where principal = $1 and route = $2 and key = $3 and status is null`,
    [claim.principal, claim.route, claim.key, status, contentType, box.seal(body)],
  );
}

async function release(db: Queryable, claim: Claim): Promise<void> {
  await db.query(`delete from idempotency_keys where principal = $1 and route = $2 and key = $3 and status is null`, [claim.principal, claim.route, claim.key]);
}

export async function purgeExpiredIdempotencyKeys(db: Queryable): Promise<number> {
  const { rowCount } = await db.query(`delete from idempotency_keys where expires_at <= now()`);
  return rowCount ?? 0;
}

function keyOf(request: FastifyRequest): string | undefined {
  const raw = request.headers['idempotency-key'];
  if (raw === undefined) return undefined;
  const key = Array.isArray(raw) ? raw[0] : raw;
  if (!key || key.length > MAX_KEY_LENGTH || Array.isArray(raw)) {
    throw invalidField('headers.idempotency-key', `must be one value of 1 to ${MAX_KEY_LENGTH} characters`);
  }
  return key;
}

/** Waits for the first request with this key and replays its answer; see the module comment. */
async function replayOrClaim(pool: Pool, box: SecretBox, request: FastifyRequest, reply: FastifyReply, claim: Claim): Promise<FastifyReply | undefined> {
  const print = fingerprint(request);
  const deadline = Date.now() + WAIT_MS;
  for (let pause = 20; ; pause = Math.min(pause * 2, 250)) {
    const outcome = await claimOrRead(pool, box, claim, print);
    if (outcome.kind === 'claimed') {
      claims.set(request, claim);
      return undefined;
    }
    if (outcome.kind === 'mismatch') {
      throw new HttpError(422, 'idempotency_key_reused', 'this Idempotency-Key was used with a different request; use a new key for a new request');
    }
    if (outcome.kind === 'done') {
      if (outcome.contentType) void reply.header('content-type', outcome.contentType);
      return reply.code(outcome.status).header('idempotent-replayed', 'true').send(outcome.body === '' ? undefined : outcome.body);
    }
    if (Date.now() >= deadline) {
      void reply.header('retry-after', '1');
      throw new HttpError(409, 'request_in_progress', 'a request with this Idempotency-Key is still running; retry shortly');
    }
    await delay(pause);
  }
}

/** Adds the preHandler/onSend pair to the authenticated scope. */
export function registerIdempotency(deps: Pick<ApiDeps, 'pool' | 'logger' | 'secretBox'>, app: ZodApp): void {
  let lastPurge = 0;
  app.addHook('preHandler', async (request, reply) => {
    if (request.method !== 'POST') return;
    const key = keyOf(request);
    if (key === undefined) return;
    const route = `${request.method} ${request.routeOptions.url}`;
    if (OWN_KEY_HANDLING.has(route)) return;
    const { agentId } = principalOf(request);
    if (Date.now() - lastPurge > PURGE_EVERY_MS) {
      lastPurge = Date.now();
      purgeExpiredIdempotencyKeys(deps.pool).catch((error: unknown) => deps.logger.warn({ err: error }, 'purging expired idempotency keys failed'));
    }
    return replayOrClaim(deps.pool, deps.secretBox, request, reply, { principal: agentId ?? 'bootstrap-admin', route, key });
  });

  app.addHook('onSend', async (request, reply, payload) => {
    const claim = claims.get(request);
    if (!claim) return payload;
    claims.delete(request);
    try {
      const storable = payload === null || payload === undefined || typeof payload === 'string';
      if (reply.statusCode >= 500 || !storable) await release(deps.pool, claim);
      else await complete(deps.pool, deps.secretBox, claim, reply.statusCode, (reply.getHeader('content-type') as string | undefined) ?? null, (payload as string | null) ?? '');
    } catch (error) {
      // the change is made and the caller gets its answer; a retry after LOCK_MS would run again
      request.log.error({ err: error, route: claim.route }, 'storing the idempotent answer failed');
    }
    return payload;
  });
}
