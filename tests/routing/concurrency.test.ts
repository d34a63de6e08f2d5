import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, withTransaction, type Pool } from '@switchboard/db';
import { acceptOffer, dispatchQueue, resolveConversation } from '@switchboard/routing';
import { createWorld, type World } from './world.ts';

/**
 * Four routers (four connection pools, as four processes would have) race over one queue of
 * 500 offered conversations and 20 agents of mixed capacity: they dispatch, accept every
 * pending offer they see (so most offers get several concurrent accepts) and resolve work to
 * free capacity, until nothing waits. The database guards alone must keep it exact.
 */
const ROUTERS = 4;
const CONVERSATIONS = 500;
const CAPACITIES = [1, 2, 3, 5, 8];
const AGENTS = 20;

let w: World;
let routers: Pool[];
beforeAll(async () => {
  w = await createWorld();
  routers = [w.pool, ...Array.from({ length: ROUTERS - 1 }, (_, i) => createPool({ connectionString: w.db.url, max: 4, applicationName: `router-${i + 2}` }))];
});
afterAll(async () => {
  await Promise.all(routers.slice(1).map((p) => p.end()));
  await w.close();
});

/**
 * Checked at each commit, from the truth rather than the counters: an agent's assigned
 * conversations plus pending offers never exceed the capacity of that channel. The
 * agent_load row lock serialises claims for one agent, so a commit sees every earlier one.
 */
const GUARD = `
  create function test_within_capacity() returns trigger language plpgsql as $$
  declare held int; cap int;
  begin
    select coalesce(sum(capacity), 0) into cap from agent_load where agent_id = new.assignee_id and channel = new.channel;
    select (select count(*) from conversations where assignee_id = new.assignee_id and channel = new.channel and routing_state = 'assigned')
         + (select count(*) from offers o join conversations c on c.id = o.conversation_id
             where o.agent_id = new.assignee_id and o.status = 'pending' and c.channel = new.channel)
      into held;
    if held > cap then raise exception 'agent % holds % of %', new.assignee_id, held, cap using errcode = 'P0001'; end if;
    return null;
  end $$;
  create constraint trigger test_within_capacity after insert or update of assignee_id on conversations
    deferrable initially deferred for each row when (new.assignee_id is not null) execute function test_within_capacity();`;

/**
 * A router that found the queue busy waits for the running pass to commit (as the real one
 * retries after a delay) instead of spinning: it blocks on the dispatcher's advisory lock key.
 * Were that key to change, this would return at once and the test would only run slower.
 */
async function waitForRunningPass(pool: Pool): Promise<void> {
  await withTransaction(pool, (tx) => tx.query(`select pg_advisory_xact_lock(hashtextextended($1, 0))`, [`dispatch:${queueId}`]));
}

async function routerLoop(pool: Pool, seed: number): Promise<{ passes: number; busy: number; accepted: number; refused: number }> {
  const stats = { passes: 0, busy: 0, accepted: 0, refused: 0 };
  let random = seed;
  const next = () => ((random = (random * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  for (;;) {
    // a batch near the number of agents: the rest of a 100-batch would only find everyone at their burst
    const r = await dispatchQueue(pool, queueId, { clock: w.clock, batch: 40 });
    stats.passes += 1;
    if (r.busy) stats.busy += 1;
    // every router tries every pending offer, in its own order: each offer meets rival accepts
    const { rows: offers } = await pool.query<{ id: string; agentId: string }>(`select id, agent_id as "agentId" from offers where status = 'pending'`);
    for (let i = offers.length - 1; i > 0; i--) {
      const j = Math.floor(next() * (i + 1));
      [offers[i], offers[j]] = [offers[j]!, offers[i]!];
    }
    await Promise.all(
      offers.map(async (o) => {
        const result = await acceptOffer(pool, { offerId: o.id, agentId: o.agentId, clock: w.clock });
        if (result.ok) stats.accepted += 1;
        else stats.refused += 1;
      }),
    );
    const { rows: waiting } = await pool.query<{ n: number }>(`select count(*)::int as n from conversations where routing_state in ('queued', 'offered')`);
    if (waiting[0]!.n === 0) return stats;
    // agents finish some work so the backlog can drain; rival routers may resolve the same one
    const { rows: done } = await pool.query<{ id: string }>(`select id from conversations where routing_state = 'assigned' order by random() limit 6`);
    await Promise.all(done.map((c) => withTransaction(pool, (tx) => resolveConversation(tx, c.id, { agentId: null }, w.clock.now()))));
    if (r.busy) await waitForRunningPass(pool);
  }
}

let queueId: string;
const agents: { id: string; capacity: number }[] = [];

describe('concurrency', () => {
  it('the capacity guards fire: the CHECK on agent_load and the truth-based trigger both refuse an over-capacity write', async () => {
    await w.pool.query(GUARD);
    queueId = await w.queue({ autoAccept: false, offerTimeoutS: 3600 });
    for (let i = 0; i < AGENTS; i++) {
      const capacity = CAPACITIES[i % CAPACITIES.length]!;
      agents.push({ id: await w.agent({ queues: [queueId], capacity: { webchat: capacity } }), capacity });
    }
    const one = agents[0]!;
    await expect(w.pool.query(`update agent_load set active = capacity + 1 where agent_id = $1`, [one.id])).rejects.toMatchObject({
      code: '23514',
      constraint: 'agent_load_within_capacity',
    });
    // one conversation assigned behind the counters' back is fine (capacity 1); a second is not
    const a = await w.waiting(queueId);
    const b = await w.waiting(queueId);
    const assign = (id: string) => w.pool.query(`update conversations set routing_state = 'assigned', assignee_id = $2 where id = $1`, [id, one.id]);
    await assign(a);
    await expect(assign(b)).rejects.toMatchObject({ code: 'P0001' });
    await w.pool.query(`delete from conversations where id in ($1, $2)`, [a, b]);
  });

  it('scenario 2: four routers and concurrent accepts on 500 conversations: one assignee and one accepted offer each, capacity never exceeded', async () => {
    for (let i = 0; i < CONVERSATIONS; i++) await w.waiting(queueId);
    const stats = await Promise.all(routers.map((pool, i) => routerLoop(pool, i + 1)));

    const accepted = stats.reduce((s, r) => s + r.accepted, 0);
    expect(accepted).toBe(CONVERSATIONS);
    // rival accepts of one offer happened, and each of them was refused
    expect(stats.reduce((s, r) => s + r.refused, 0)).toBeGreaterThan(0);
    const { rows: perConversation } = await w.pool.query<{ accepted: number; assignments: number; state: string }>(
      `select c.routing_state as state,
              (select count(*)::int from offers o where o.conversation_id = c.id and o.status = 'accepted') as accepted,
              (select count(*)::int from assignments a where a.conversation_id = c.id) as assignments
         from conversations c where c.queue_id = $1`,
      [queueId],
    );
    expect(perConversation).toHaveLength(CONVERSATIONS);
    expect(perConversation.filter((c) => c.accepted !== 1 || c.assignments !== 1)).toEqual([]);
    expect(new Set(perConversation.map((c) => c.state))).toEqual(new Set(['assigned', 'closed']));
    expect(await w.pendingOffers()).toEqual([]);

    // the counters agree with the truth, and the truth is within capacity
    const { rows: loads } = await w.pool.query<{ agentId: string; active: number; pending: number; capacity: number; held: number }>(
      `select l.agent_id as "agentId", l.active, l.pending_offers as pending, l.capacity,
              (select count(*)::int from conversations c where c.assignee_id = l.agent_id and c.routing_state = 'assigned') as held
         from agent_load l where l.channel = 'webchat'`,
    );
    for (const l of loads) {
      expect({ agent: l.agentId, active: l.active, pending: l.pending }).toEqual({ agent: l.agentId, active: l.held, pending: 0 });
      expect(l.held).toBeLessThanOrEqual(l.capacity);
    }
    const { rows: events } = await w.pool.query<{ n: number }>(`select count(*)::int as n from events where type = 'offer.accepted'`);
    expect(events[0]!.n).toBe(CONVERSATIONS);
    // every agent took part: fairness holds under contention too
    const { rows: served } = await w.pool.query<{ n: number }>(`select count(distinct agent_id)::int as n from assignments`);
    expect(served[0]!.n).toBe(AGENTS);
  }, 60_000);

  it('scenario 3: two routers race for the last free slot of one agent from two queues: exactly one wins, every time', async () => {
    for (let round = 0; round < 20; round++) {
      const [q1, q2] = [await w.queue(), await w.queue()];
      const agent = await w.agent({ queues: [q1, q2], capacity: { webchat: 2 } });
      await w.waiting(q1);
      await w.dispatch(q1); // one slot left
      const [c1, c2] = [await w.waiting(q1), await w.waiting(q2)];
      const results = await Promise.all([dispatchQueue(routers[1]!, q1, { clock: w.clock }), dispatchQueue(routers[2]!, q2, { clock: w.clock })]);
      expect(results.flatMap((r) => r.assigned)).toHaveLength(1);
      expect(await w.load(agent)).toMatchObject({ active: 2, capacity: 2, pendingOffers: 0 });
      const states = [(await w.conversation(c1)).routingState, (await w.conversation(c2)).routingState].sort();
      expect(states).toEqual(['assigned', 'queued']);
    }
  });
});
