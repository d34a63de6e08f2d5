import type { Queryable } from '@switchboard/db';

/** Appends to the conversation's routing decision log: why it went (or did not go) where it did. */
export async function logDecision(db: Queryable, conversationId: string, kind: string, at: Date, payload: Record<string, unknown>): Promise<void> {
  await db.query(`insert into routing_decisions(conversation_id, created_at, kind, payload) values ($1, $2, $3, $4)`, [conversationId, at, kind, payload]);
}

export async function listDecisions(db: Queryable, conversationId: string): Promise<{ kind: string; createdAt: Date; payload: Record<string, unknown> }[]> {
  const { rows } = await db.query(
    `select kind, created_at as "createdAt", payload from routing_decisions where conversation_id = $1 order by id`,
    [conversationId],
  );
  return rows as { kind: string; createdAt: Date; payload: Record<string, unknown> }[];
}
