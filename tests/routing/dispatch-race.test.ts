import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, type Pool } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis } from '@switchboard/queue';
import { acceptOffer, dispatchQueue } from '@switchboard/routing';
import { dropQueuePrefix, inboundText, testQueuePrefix, testRedisUrl } from '@switchboard/testkit';
import { handleInbound } from '../../services/router/src/router.ts';
import { giveWork } from './dispatch-kit.ts';
import { expectInvariants } from './invariants.ts';
import { createWorld, type World } from './world.ts';

/** Two routers: each has its own connection pool, as two processes would. */
let w: World;
let other: Pool;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const producer = createProducer(redis, prefix);

beforeAll(async () => {
  w = await createWorld();
  other = createPool({ connectionString: w.db.url, max: 4, applicationName: 'router-2' });
});
afterEach(async () => {
  await expectInvariants(w.pool);
});
afterAll(async () => {
  await other.end();
  await producer.close();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await w.close();
});

async function count(sql: string, params: unknown[]): Promise<number> {
  const { rows } = await w.pool.query<{ n: number }>(sql, params);
  return rows[0]!.n;
}

/** A router's loop: dispatch, accept what it offered, until its queue has nothing waiting. */
async function routerLoop(pool: Pool, queueId: string): Promise<{ passes: number; busy: number }> {
  const stats = { passes: 0, busy: 0 };
  // busy means the other router is mid-pass: yield and try again (passes are bounded, spins generously)
  while (stats.passes < 500 && stats.busy < 200_000) {
    const r = await dispatchQueue(pool, queueId, { clock: w.clock });
    if (r.busy) {
      stats.busy++;
      await new Promise((resolve) => setImmediate(resolve));
      continue;
    }
    stats.passes++;
    for (const o of r.offered) expect((await acceptOffer(pool, { offerId: o.offerId, agentId: o.agentId, clock: w.clock })).ok).toBe(true);
    if (r.offered.length + r.assigned.length === 0) {
      const left = await count(`select count(*)::int as n from conversations where queue_id = $1 and routing_state in ('queued', 'offered')`, [queueId]);
      if (left === 0) return stats;
    }
  }
  throw new Error('router loop did not finish');
}

describe('dispatch: concurrency', () => {
  it('scenario 2: two routers dispatching one queue of 100: each conversation has one assignee and one accepted offer', async () => {
    const q = await w.queue({ autoAccept: false });
    const agents: string[] = [];
    for (let i = 0; i < 10; i++) agents.push(await w.agent({ queues: [q], capacity: { webchat: 10 } }));
    const ids: string[] = [];
    for (let i = 0; i < 100; i++) ids.push(await w.waiting(q));

    await Promise.all([routerLoop(w.pool, q), routerLoop(other, q)]);

    const { rows } = await w.pool.query(
      `select c.id, c.routing_state, c.assignee_id,
              (select count(*)::int from offers o where o.conversation_id = c.id and o.status = 'accepted') as accepted,
              (select count(*)::int from offers o where o.conversation_id = c.id) as offers,
              (select count(*)::int from assignments a where a.conversation_id = c.id) as assignments,
              (select count(*)::int from events e where e.conversation_id = c.id and e.type = 'conversation.assigned') as assigned_events
         from conversations c where c.queue_id = $1`,
      [q],
    );
    expect(rows).toHaveLength(100);
    for (const r of rows) {
      expect(r).toMatchObject({ routing_state: 'assigned', accepted: 1, offers: 1, assignments: 1, assigned_events: 1 });
      expect(agents).toContain(r.assignee_id);
    }
    for (const a of agents) expect(await w.load(a)).toEqual({ active: 10, pendingOffers: 0, capacity: 10 });
  }, 60_000);

  it('scenario 3: two queues race for the last free slot of one agent: exactly one wins, capacity never exceeded', async () => {
    for (let round = 0; round < 12; round++) {
      const autoAccept = round % 2 === 0;
      const q1 = await w.queue({ autoAccept });
      const q2 = await w.queue({ autoAccept });
      const agent = await w.agent({ queues: [q1, q2], capacity: { webchat: 2 } });
      await giveWork(w, agent, 1);
      const c1 = await w.waiting(q1);
      const c2 = await w.waiting(q2);
      const [r1, r2] = await Promise.all([dispatchQueue(w.pool, q1, { clock: w.clock }), dispatchQueue(other, q2, { clock: w.clock })]);
      const placed = [...r1.assigned, ...r1.offered, ...r2.assigned, ...r2.offered];
      expect(placed).toHaveLength(1);
      expect(placed[0]!.agentId).toBe(agent);
      const states = [(await w.conversation(c1)).routingState, (await w.conversation(c2)).routingState].sort();
      expect(states).toEqual([autoAccept ? 'assigned' : 'offered', 'queued']);
      const load = await w.load(agent);
      expect(load.active + load.pendingOffers).toBe(2);
    }
  });

  it('passes of two queues sharing agents run side by side without deadlocks or drift', async () => {
    const q1 = await w.queue({ autoAccept: false });
    const q2 = await w.queue({ autoAccept: false });
    const shared: string[] = [];
    for (let i = 0; i < 4; i++) shared.push(await w.agent({ queues: [q1, q2], capacity: { webchat: 15 } }));
    for (let i = 0; i < 30; i++) {
      await w.waiting(q1);
      await w.waiting(q2);
    }
    await Promise.all([routerLoop(w.pool, q1), routerLoop(other, q2), routerLoop(other, q1), routerLoop(w.pool, q2)]);
    const total = await count(`select count(*)::int as n from conversations where queue_id = any($1) and routing_state = 'assigned'`, [[q1, q2]]);
    expect(total).toBe(60);
    for (const a of shared) expect(await w.load(a)).toEqual({ active: 15, pendingOffers: 0, capacity: 15 });
  });

  it('scenario 33: a burst of 20 first messages through the router makes one conversation and one offer', async () => {
    const q = await w.queue({ autoAccept: false });
    const agent = await w.agent({ queues: [q], capacity: { telegram: 3 } });
    const inboxId = await w.inboxFor('telegram');
    await w.pool.query(`update inboxes set default_queue_id = $2 where id = $1`, [inboxId, q]);
    const deps = { pool: w.pool, producer, logger: silentLogger(), clock: w.clock };
    const otherDeps = { ...deps, pool: other };
    await Promise.all(
      Array.from({ length: 20 }, (_, i) => handleInbound(i % 2 ? otherDeps : deps, inboundText(inboxId, { from: 'burst-33', text: `m${i}`, messageId: `b33-${i}` }))),
    );
    const { rows } = await w.pool.query(`select id, routing_state from conversations where inbox_id = $1 and thread_key = 'burst-33'`, [inboxId]);
    expect(rows).toHaveLength(1);
    expect(rows[0].routing_state).toBe('offered');
    const conversationId = rows[0].id;
    expect(await count(`select count(*)::int as n from messages where conversation_id = $1`, [conversationId])).toBe(20);
    const { rows: offers } = await w.pool.query(`select agent_id, status from offers where conversation_id = $1`, [conversationId]);
    expect(offers).toEqual([{ agent_id: agent, status: 'pending' }]);
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 0, pendingOffers: 1 });
    expect(await w.events('conversation.created', conversationId)).toHaveLength(1);
  });
});
