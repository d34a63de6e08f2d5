import type { Queryable } from './pool.ts';

/** One recorded action: who (agent or the bootstrap admin), what, to what, when. */
export interface AuditEntry {
  id: string;
  at: Date;
  actorAgentId: string | null;
  actorRole: string;
  action: string;
  targetType: string;
  targetId: string | null;
  summary: string;
  details: Record<string, unknown>;
}

export type NewAuditEntry = Omit<AuditEntry, 'id' | 'at'>;

export interface AuditFilter {
  actorAgentId?: string;
  action?: string;
  targetType?: string;
  targetId?: string;
  since?: Date;
  until?: Date;
  /** Entries older than this id (the previous page's last id). */
  beforeId?: string;
  limit: number;
}

export async function recordAudit(db: Queryable, entry: NewAuditEntry): Promise<void> {
  await db.query(
    `insert into audit_log(actor_agent_id, actor_role, action, target_type, target_id, summary, details) values ($1, $2, $3, $4, $5, $6, $7)`,
    [entry.actorAgentId, entry.actorRole, entry.action, entry.targetType, entry.targetId, entry.summary, entry.details],
  );
}

/** Newest first. */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditEntry[]> {
  const { rows } = await db.query(
    `select id::text, at, actor_agent_id as "actorAgentId", actor_role as "actorRole", action, target_type as "targetType",
            target_id as "targetId", summary, details
       from audit_log
      where ($1::uuid is null or actor_agent_id = $1)
        and ($2::text is null or action = $2)
        and ($3::text is null or target_type = $3)
        and ($4::text is null or target_id = $4)
        and ($5::timestamptz is null or at >= $5)
        and ($6::timestamptz is null or at < $6)
        and ($7::bigint is null or id < $7)
      order by id desc
      limit $8`,
    [
      filter.actorAgentId ?? null,
      filter.action ?? null,
      filter.targetType ?? null,
      filter.targetId ?? null,
      filter.since ?? null,
      filter.until ?? null,
      filter.beforeId ?? null,
      filter.limit,
    ],
  );
  return rows as AuditEntry[];
}
