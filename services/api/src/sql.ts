import type { Queryable } from '@switchboard/db';

/**
 * Queries only the API needs, beside the shared repositories in @switchboard/db.
 */

export interface LockedConversation {
  status: string;
  assigneeId: string | null;
  inboxId: string;
  channel: string;
}

/** Locks the conversation row for this transaction, so a concurrent resolve cannot slip between check and write. */
export async function lockConversation(tx: Queryable, id: string): Promise<LockedConversation | undefined> {
  const { rows } = await tx.query<LockedConversation>(
    `select status, assignee_id as "assigneeId", inbox_id as "inboxId", channel from conversations where id = $1 for update`,
    [id],
  );
  return rows[0];
}

export async function findMessageByIdempotencyKey(db: Queryable, conversationId: string, key: string): Promise<string | undefined> {
  const { rows } = await db.query<{ id: string }>(`select id from messages where conversation_id = $1 and idempotency_key = $2`, [conversationId, key]);
  return rows[0]?.id;
}

/** The ids among `ids` that name no agent. */
export async function unknownAgentIds(db: Queryable, ids: string[]): Promise<string[]> {
  if (!ids.length) return [];
  const { rows } = await db.query<{ id: string }>(
    `select i.id::text as id from unnest($1::uuid[]) as i(id) where not exists (select 1 from agents a where a.id = i.id)`,
    [ids],
  );
  return rows.map((r) => r.id);
}

/**
 * A conversation's `updated_at` at full (microsecond) precision, as text. A JS Date keeps
 * milliseconds only: a cursor built from one would skip rows updated within the same millisecond.
 */
export async function conversationPosition(db: Queryable, id: string): Promise<string | undefined> {
  const { rows } = await db.query<{ at: string }>(
    `select to_char(updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at from conversations where id = $1`,
    [id],
  );
  return rows[0]?.at;
}

/** True for a unique-key violation, optionally on one named constraint. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = error as { code?: string; constraint?: string } | null;
  return e?.code === '23505' && (constraint === undefined || e.constraint === constraint);
}
