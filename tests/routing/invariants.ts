import { expect } from '@jest/globals';
import type { Queryable } from '@switchboard/db';

/**
 * What must hold after any routing scenario, read from the database itself: no agent_load
 * row holds more than capacity (plus forced excess); every pending offer's units are counted
 * in its agent's pending_offers and nothing else is; each offered conversation has exactly
 * one pending offer and no other conversation has any. With `active`, the units of assigned
 * conversations also equal agent_load.active (skip it where release_on_pending frees units).
 */
export async function invariantViolations(db: Queryable, options: { active?: boolean } = {}): Promise<string[]> {
  const problems: string[] = [];
  const over = await db.query(
    `select agent_id, channel, active, pending_offers, capacity, forced from agent_load where active + pending_offers > capacity + forced`,
  );
  for (const r of over.rows) problems.push(`over capacity: ${JSON.stringify(r)}`);

  const pending = await db.query(
    `select coalesce(l.agent_id, o.agent_id) as agent_id, coalesce(l.channel, o.load_pool) as pool,
            coalesce(l.pending_offers, 0) as counted, coalesce(o.units, 0)::int as offered
       from (select agent_id, channel, pending_offers from agent_load where pending_offers > 0) l
       full join (select agent_id, load_pool, sum(load_cost) as units from offers where status = 'pending' group by agent_id, load_pool) o
         on o.agent_id = l.agent_id and o.load_pool = l.channel
      where coalesce(l.pending_offers, 0) <> coalesce(o.units, 0)`,
  );
  for (const r of pending.rows) problems.push(`pending_offers drift: ${JSON.stringify(r)}`);

  const states = await db.query(
    `select c.id, c.routing_state, count(o.id)::int as pending
       from conversations c left join offers o on o.conversation_id = c.id and o.status = 'pending'
      group by c.id
     having (c.routing_state = 'offered') <> (count(o.id) = 1) or count(o.id) > 1`,
  );
  for (const r of states.rows) problems.push(`offer/state mismatch: ${JSON.stringify(r)}`);

  if (options.active ?? true) {
    const active = await db.query(
      `select coalesce(l.agent_id, a.agent_id) as agent_id, coalesce(l.channel, a.load_pool) as pool,
              coalesce(l.active, 0) as counted, coalesce(a.units, 0)::int as held
         from (select agent_id, channel, active from agent_load where active > 0) l
         full join (select assignee_id as agent_id, load_pool, sum(load_cost) as units from conversations
                     where routing_state = 'assigned' group by assignee_id, load_pool) a
           on a.agent_id = l.agent_id and a.load_pool = l.channel
        where coalesce(l.active, 0) <> coalesce(a.units, 0)`,
    );
    for (const r of active.rows) problems.push(`active drift: ${JSON.stringify(r)}`);
  }
  return problems;
}

/** Asserts the invariants; call after every scenario. */
export async function expectInvariants(db: Queryable, options: { active?: boolean } = {}): Promise<void> {
  expect(await invariantViolations(db, options)).toEqual([]);
}
