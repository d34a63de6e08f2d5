import type { PoolClient, Queryable } from '@switchboard/db';

/** An agent's skills and capacity pools, as routing reads them. */

export async function getAgentSkills(db: Queryable, agentId: string): Promise<{ skill: string; proficiency: number }[]> {
  const { rows } = await db.query<{ skill: string; proficiency: number }>(
    `select s.name as skill, a.proficiency from agent_skills a join skills s on s.id = a.skill_id where a.agent_id = $1 order by s.name`,
    [agentId],
  );
  return rows;
}

export async function replaceAgentSkills(db: Queryable, agentId: string, skills: { skill: string; proficiency: number }[]): Promise<void> {
  await db.query(`delete from agent_skills where agent_id = $1`, [agentId]);
  await db.query(
    `insert into agent_skills(agent_id, skill_id, proficiency)
     select $1, s.id, x.proficiency from unnest($2::text[], $3::int[]) as x(name, proficiency) join skills s on s.name = x.name`,
    [agentId, skills.map((s) => s.skill), skills.map((s) => s.proficiency)],
  );
}

export interface Capacity {
  agentId: string;
  mode: 'channels' | 'weighted';
  pools: { pool: string; capacity: number; active: number; pendingOffers: number }[];
  costs: Record<string, number>;
}

export async function getCapacity(db: Queryable, agentId: string): Promise<Capacity> {
  const { rows: pools } = await db.query<Capacity['pools'][number]>(
    `select channel as pool, capacity, active, pending_offers as "pendingOffers" from agent_load where agent_id = $1 order by channel`,
    [agentId],
  );
  const { rows: costs } = await db.query<{ channel: string; cost: number }>(`select channel, cost from agent_channel_costs where agent_id = $1 order by channel`, [agentId]);
  return {
    agentId,
    mode: pools.some((p) => p.pool === '*') ? 'weighted' : 'channels',
    pools,
    costs: Object.fromEntries(costs.map((c) => [c.channel, c.cost])),
  };
}

/**
 * The pools the new capacity would remove that still hold work: switching between per-channel
 * and weighted units while conversations hold units in the old pools would lose their count.
 * Locks the agent's rows in (agent_id, channel) order, the order every capacity claim uses.
 */
export async function poolsInUse(tx: PoolClient, agentId: string, removing: (pool: string) => boolean): Promise<string[]> {
  const { rows } = await tx.query<{ pool: string; used: number }>(
    `select channel as pool, active + pending_offers as used from agent_load where agent_id = $1 order by channel for update`,
    [agentId],
  );
  return rows.filter((r) => removing(r.pool) && r.used > 0).map((r) => r.pool);
}

/**
 * Sets the pools to exactly `capacities` (pool → units) and removes the others. Lowering a
 * capacity under the current load is allowed: the excess is recorded as `forced`, so the
 * agent gets nothing new until the work drains, and the CHECK stays exact.
 */
export async function replacePools(tx: PoolClient, agentId: string, capacities: Record<string, number>, costs: Record<string, number>): Promise<void> {
  const pools = Object.keys(capacities);
  await tx.query(`delete from agent_load where agent_id = $1 and not (channel = any($2::text[]))`, [agentId, pools]);
  await tx.query(
    `insert into agent_load(agent_id, channel, capacity) select $1, p, c from unnest($2::text[], $3::int[]) as x(p, c) order by p
     on conflict (agent_id, channel) do update set capacity = excluded.capacity,
       forced = greatest(agent_load.active + agent_load.pending_offers - excluded.capacity, 0)`,
    [agentId, pools, pools.map((p) => capacities[p])],
  );
  await tx.query(`delete from agent_channel_costs where agent_id = $1`, [agentId]);
  const channels = Object.keys(costs);
  await tx.query(
    `insert into agent_channel_costs(agent_id, channel, cost) select $1, c, u from unnest($2::text[], $3::int[]) as x(c, u)`,
    [agentId, channels, channels.map((c) => costs[c])],
  );
}
