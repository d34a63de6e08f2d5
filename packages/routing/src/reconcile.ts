import { agentQueueIds, appendEvent, withTransaction, type Pool, type Queryable } from '@switchboard/db';
import type { Clock } from './clock.ts';

export interface LoadCounts {
  active: number;
  pendingOffers: number;
}

export interface LoadDrift {
  agentId: string;
  /** The capacity pool: a channel, or '*' for weighted units. */
  pool: string;
  before: LoadCounts;
  after: LoadCounts;
}

/**
 * What a pool's counters must be, from the records they summarise: units of the assigned
 * conversations holding it (`load_pool`/`load_cost`; a conversation whose units were released,
 * e.g. pending with release_on_pending, has load_pool null) and of the pending offers
 * reserving it. `$1`/`$2` narrow it to one row (both null: every row).
 */
const TRUTH = `
  select l.agent_id as "agentId", l.channel as pool, l.active, l.pending_offers as "pendingOffers",
         coalesce((select sum(c.load_cost) from conversations c
                    where c.assignee_id = l.agent_id and c.load_pool = l.channel and c.routing_state = 'assigned'), 0)::int as "trueActive",
         coalesce((select sum(o.load_cost) from offers o
                    where o.agent_id = l.agent_id and o.load_pool = l.channel and o.status = 'pending'), 0)::int as "truePending"
    from agent_load l
   where ($1::uuid is null or (l.agent_id = $1 and l.channel = $2))`;

interface Row extends LoadCounts {
  agentId: string;
  pool: string;
  trueActive: number;
  truePending: number;
}

const drifted = (r: Row) => r.active !== r.trueActive || r.pendingOffers !== r.truePending;

/**
 * The reconciliation job: recomputes every agent_load row's `active` and `pending_offers`
 * from conversations and offers, and heals any drift (a crash between writes, a hand edit, a
 * bug), emitting one `load.drift` event per healed row with the counts before and after.
 *
 * Each suspect row is re-checked under its own lock: every change to a pool's counters
 * updates the row in the same transaction as the records, so while it is locked the
 * committed records and the counters describe the same moment, and a dispatcher racing the
 * job is never "healed" into a wrong count. `forced` is reset to the real excess, keeping
 * the capacity CHECK exact. Returns the drift found and the queues to dispatch (of agents
 * who got units back).
 */
export async function reconcileLoad(pool: Pool, clock: Clock): Promise<{ drift: LoadDrift[]; dispatch: string[] }> {
  const { rows } = await pool.query<Row>(`${TRUTH} order by l.agent_id, l.channel`, [null, null]);
  const drift: LoadDrift[] = [];
  const dispatch = new Set<string>();
  for (const suspect of rows.filter(drifted)) {
    const healed = await withTransaction(pool, (tx) => healRow(tx, suspect.agentId, suspect.pool, clock.now()));
    if (!healed) continue;
    drift.push(healed);
    if (healed.after.active + healed.after.pendingOffers < healed.before.active + healed.before.pendingOffers) {
      for (const q of await agentQueueIds(pool, healed.agentId)) dispatch.add(q);
    }
  }
  return { drift, dispatch: [...dispatch] };
}

async function healRow(tx: Queryable, agentId: string, poolName: string, now: Date): Promise<LoadDrift | undefined> {
  await tx.query(`select 1 from agent_load where agent_id = $1 and channel = $2 for update`, [agentId, poolName]);
  const { rows } = await tx.query<Row>(TRUTH, [agentId, poolName]);
  const r = rows[0];
  if (!r || !drifted(r)) return undefined;
  await tx.query(
    `update agent_load set active = $3, pending_offers = $4, forced = greatest($3::int + $4::int - capacity, 0)
      where agent_id = $1 and channel = $2`,
    [agentId, poolName, r.trueActive, r.truePending],
  );
  const found: LoadDrift = {
    agentId,
    pool: poolName,
    before: { active: r.active, pendingOffers: r.pendingOffers },
    after: { active: r.trueActive, pendingOffers: r.truePending },
  };
  await appendEvent(tx, { type: 'load.drift', agentId, payload: { pool: poolName, before: found.before, after: found.after, at: now } });
  return found;
}
