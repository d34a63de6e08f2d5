import type { Queryable } from '@switchboard/db';

/** The capacity a conversation holds or reserves: which pool of which agent, and how many units. */
export interface Hold {
  agentId: string;
  pool: string;
  cost: number;
}

/**
 * Reserves units for an offer, or takes them outright (`asActive`, auto-accept), in one
 * conditional UPDATE: the row lock serialises dispatchers across queues and routers, and the
 * condition means capacity is never counted first and claimed later.
 */
export async function claimUnits(db: Queryable, hold: Hold, now: Date, asActive: boolean): Promise<boolean> {
  const { rowCount } = await db.query(
    asActive
      ? `update agent_load set active = active + $3, last_assigned_at = $4, last_work_seq = nextval('agent_work_seq')
          where agent_id = $1 and channel = $2 and active + pending_offers + $3 <= capacity`
      : `update agent_load set pending_offers = pending_offers + $3, last_offer_at = $4, last_work_seq = nextval('agent_work_seq')
          where agent_id = $1 and channel = $2 and active + pending_offers + $3 <= capacity`,
    [hold.agentId, hold.pool, hold.cost, now],
  );
  return rowCount === 1;
}

/** An accepted offer: its reservation becomes active load. */
export async function activateReserved(db: Queryable, hold: Hold, now: Date): Promise<void> {
  await db.query(
    `update agent_load set pending_offers = greatest(pending_offers - $3, 0), active = active + $3, last_assigned_at = $4
      where agent_id = $1 and channel = $2`,
    [hold.agentId, hold.pool, hold.cost, now],
  );
}

/** An offer that ended without acceptance gives its reservation back. */
export async function releaseReserved(db: Queryable, hold: Hold): Promise<void> {
  await db.query(`update agent_load set pending_offers = greatest(pending_offers - $3, 0) where agent_id = $1 and channel = $2`, [hold.agentId, hold.pool, hold.cost]);
}

/**
 * A conversation that no longer holds its agent gives its units back; `forced` shrinks with
 * the excess so the CHECK (active + pending <= capacity + forced) stays exact.
 */
export async function releaseActive(db: Queryable, hold: Hold): Promise<void> {
  await db.query(
    `update agent_load set active = greatest(active - $3, 0),
            forced = least(forced, greatest(greatest(active - $3, 0) + pending_offers - capacity, 0))
      where agent_id = $1 and channel = $2`,
    [hold.agentId, hold.pool, hold.cost],
  );
}

/** A forced assignment (manual, over capacity): takes the units and records the excess. */
export async function forceUnits(db: Queryable, hold: Hold, now: Date): Promise<{ overCapacity: boolean }> {
  const { rows } = await db.query<{ over: boolean }>(
    `update agent_load set active = active + $3, last_assigned_at = $4, last_work_seq = nextval('agent_work_seq'),
            forced = greatest(forced, active + $3 + pending_offers - capacity)
      where agent_id = $1 and channel = $2
      returning active + pending_offers > capacity as over`,
    [hold.agentId, hold.pool, hold.cost, now],
  );
  return { overCapacity: rows[0]?.over ?? false };
}

/** The pool a conversation on `channel` draws on for this agent (weighted '*' first, as dispatch does). */
export async function holdFor(tx: Queryable, agentId: string, channel: string): Promise<Hold | undefined> {
  const { rows } = await tx.query<Hold>(
    `select l.agent_id as "agentId", l.channel as pool, case when l.channel = '*' then coalesce(cc.cost, 1) else 1 end as cost
       from agent_load l left join agent_channel_costs cc on cc.agent_id = l.agent_id and cc.channel = $2
      where l.agent_id = $1 and l.channel in ($2, '*')
      order by (l.channel = '*') desc limit 1`,
    [agentId, channel],
  );
  return rows[0];
}
