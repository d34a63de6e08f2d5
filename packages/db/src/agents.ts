import { createHash, randomBytes } from 'node:crypto';
import type { Queryable } from './pool.ts';

export const ROLES = ['agent', 'supervisor', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const PRESENCE = ['online', 'away', 'transfer_only', 'offline'] as const;
export type PresenceStatus = (typeof PRESENCE)[number];

export interface Agent {
  id: string;
  name: string;
  email: string | null;
  role: Role;
  status: PresenceStatus;
  capacity: Record<string, number>;
  createdAt: Date;
}

const SELECT_AGENT = `
  select a.id, a.name, a.email, a.role, a.created_at as "createdAt",
         coalesce(p.status, 'offline') as status,
         coalesce((select jsonb_object_agg(l.channel, l.capacity) from agent_load l where l.agent_id = a.id), '{}') as capacity
    from agents a left join agent_presence p on p.agent_id = a.id`;

export function hashToken(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** A new API token: shown once to its owner; only its hash is stored. */
export function generateToken(): string {
  return `sb_${randomBytes(32).toString('base64url')}`;
}

export async function createAgent(
  db: Queryable,
  input: { name: string; email?: string | null; role: Role; capacity: Record<string, number> },
): Promise<Agent> {
  const { rows } = await db.query<{ id: string }>(
    `insert into agents(name, email, role) values ($1, $2, $3) returning id`,
    [input.name, input.email ?? null, input.role],
  );
  const id = rows[0]!.id;
  await db.query(`insert into agent_presence(agent_id) values ($1)`, [id]);
  const channels = Object.keys(input.capacity);
  if (channels.length) {
    await db.query(
      `insert into agent_load(agent_id, channel, capacity) select $1, c, cap from unnest($2::text[], $3::int[]) as t(c, cap)`,
      [id, channels, channels.map((c) => input.capacity[c])],
    );
  }
  return (await getAgent(db, id))!;
}

export async function issueToken(db: Queryable, agentId: string): Promise<string> {
  const token = generateToken();
  await db.query(`insert into api_tokens(agent_id, token_hash) values ($1, $2)`, [agentId, hashToken(token)]);
  return token;
}

export async function findAgentByToken(db: Queryable, token: string): Promise<Agent | undefined> {
  const { rows } = await db.query(
    `${SELECT_AGENT} join api_tokens t on t.agent_id = a.id where t.token_hash = $1 and t.revoked_at is null`,
    [hashToken(token)],
  );
  return rows[0] as Agent | undefined;
}

export async function getAgent(db: Queryable, id: string): Promise<Agent | undefined> {
  const { rows } = await db.query(`${SELECT_AGENT} where a.id = $1`, [id]);
  return rows[0] as Agent | undefined;
}

export async function listAgents(db: Queryable): Promise<Agent[]> {
  const { rows } = await db.query(`${SELECT_AGENT} order by a.created_at, a.id`);
  return rows as Agent[];
}

/** The queues an agent serves: where their freed capacity or a change of presence may let work move. */
export async function agentQueueIds(db: Queryable, agentId: string): Promise<string[]> {
  const { rows } = await db.query<{ queueId: string }>(`select queue_id as "queueId" from queue_members where agent_id = $1`, [agentId]);
  return rows.map((r) => r.queueId);
}
