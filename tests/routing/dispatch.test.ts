import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { setAgentPresence } from '@switchboard/routing';
import { giveWork, placedPerAgent, reportedWaitS } from './dispatch-kit.ts';
import { expectInvariants } from './invariants.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterEach(async () => {
  await expectInvariants(w.pool);
});
afterAll(async () => {
  await w.close();
});

describe('dispatch: order of work', () => {
  it('scenario 10: a priority-10 conversation enqueued after ten priority-0 ones is offered first', async () => {
    const q = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [q], capacity: { webchat: 1 } });
    const low: string[] = [];
    for (let i = 0; i < 10; i++) low.push(await w.waiting(q, { waitedS: 600 - i }));
    const urgent = await w.waiting(q, { priority: 10 });
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => [o.conversationId, o.agentId])).toEqual([[urgent, a]]);
    for (const id of low) expect((await w.conversation(id)).routingState).toBe('queued');
  });

  it('scenario 11: at equal priority the older conversation goes first, even from another channel', async () => {
    const q = await w.queue({ autoAccept: false, fairnessBurst: 1 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 1, email: 1 } });
    const email = await w.waiting(q, { channel: 'email', waitedS: 60 });
    const chat = await w.waiting(q, { channel: 'webchat', waitedS: 30 });
    // one new conversation per agent per pass: the pass must pick the older one, across channels
    const first = await w.dispatch(q);
    expect(first.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[email, a]]);
    expect((await w.conversation(chat)).routingState).toBe('queued');
    const second = await w.dispatch(q);
    expect(second.offered.map((o) => o.conversationId)).toEqual([chat]);
  });

  it('scenario 12: a VIP bump of 600 s goes ahead of a 5-minute wait, and reported waits stay real', async () => {
    const q = await w.queue({ autoAccept: false });
    await w.agent({ queues: [q], capacity: { webchat: 1 } });
    const waited = await w.waiting(q, { waitedS: 300 });
    const vip = await w.waiting(q, { ageAdjustS: 600 });
    const { rows: before } = await w.pool.query(`select id, enqueued_at from conversations where id = any($1) order by id`, [[waited, vip]]);
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => o.conversationId)).toEqual([vip]);
    w.clock.advance(5_000);
    expect(await reportedWaitS(w, 'offer.created', vip)).toBeLessThan(1);

    // the VIP's place in line moved; its enqueued_at (the wait we report) did not
    const { rows: after } = await w.pool.query(`select id, enqueued_at from conversations where id = any($1) order by id`, [[waited, vip]]);
    expect(after).toEqual(before);
    expect((await w.accept(offered[0]!.offerId, offered[0]!.agentId)).ok).toBe(true);
    await w.resolve(vip);
    await w.dispatch(q);
    expect(await reportedWaitS(w, 'offer.created', waited)).toBeCloseTo(305, 0);
  });
});

describe('dispatch: strategies', () => {
  it('scenario 13: least_load picks 1-of-2 over 8-of-10 by ratio, and 8-of-10 by absolute spare', async () => {
    for (const [loadMode, expected] of [['ratio', 'a'], ['absolute', 'b']] as const) {
      const q = await w.queue({ autoAccept: false, strategy: 'least_load', loadMode });
      const a = await w.agent({ queues: [q], capacity: { webchat: 2 } });
      const b = await w.agent({ queues: [q], capacity: { webchat: 10 } });
      await giveWork(w, a, 1);
      await giveWork(w, b, 8);
      const c = await w.waiting(q);
      const { offered } = await w.dispatch(q);
      expect(offered).toHaveLength(1);
      expect(offered[0]).toMatchObject({ conversationId: c, agentId: expected === 'a' ? a : b });
    }
  });

  it('scenario 14: round_robin offers in last-assigned order and the cycle repeats deterministically', async () => {
    const q = await w.queue({ autoAccept: false, strategy: 'round_robin' });
    const agents = [];
    for (let i = 0; i < 3; i++) agents.push(await w.agent({ queues: [q], capacity: { webchat: 5 } }));
    // history: last assigned in the order third, first, second; then all idle with equal load
    const order = [agents[2]!, agents[0]!, agents[1]!];
    for (const agent of order) {
      w.clock.advance(1_000);
      for (const id of await giveWork(w, agent, 1)) await w.resolve(id);
    }
    for (const agent of agents) expect(await w.load(agent)).toMatchObject({ active: 0, pendingOffers: 0 });

    for (let i = 0; i < 9; i++) await w.waiting(q);
    const seen: string[] = [];
    for (let pass = 0; pass < 3; pass++) {
      const r = await w.dispatch(q);
      for (const o of r.offered) expect((await w.accept(o.offerId, o.agentId)).ok).toBe(true);
      seen.push(...r.offered.map((o) => o.agentId));
    }
    // the manual clock did not move: the ties on time are broken by the order of work, not by id
    expect(seen).toEqual([...order, ...order, ...order]);
  });

  it('scenario 15: a second agent online 2 s later shares the backlog; nobody gets more than fairness_burst per pass', async () => {
    const q = await w.queue({ autoAccept: true, fairnessBurst: 1 });
    for (let i = 0; i < 50; i++) await w.waiting(q, { waitedS: 3600 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 10 }, status: 'offline' });
    const b = await w.agent({ queues: [q], capacity: { webchat: 10 }, status: 'offline' });

    expect((await setAgentPresence(w.pool, { agentId: a, status: 'online', clock: w.clock })).dispatch).toContain(q);
    const first = await w.dispatch(q);
    expect(placedPerAgent(first)).toEqual(new Map([[a, 1]]));

    w.clock.advance(2_000);
    await setAgentPresence(w.pool, { agentId: b, status: 'online', clock: w.clock });
    const passes = [];
    for (;;) {
      const r = await w.dispatch(q);
      if (r.assigned.length === 0) break;
      passes.push(placedPerAgent(r));
    }
    expect(passes[0]).toEqual(new Map([[a, 1], [b, 1]]));
    for (const p of passes) for (const n of p.values()) expect(n).toBeLessThanOrEqual(1);
    expect(await w.load(a)).toMatchObject({ active: 10 });
    expect(await w.load(b)).toMatchObject({ active: 10 });
    const { rows } = await w.pool.query(`select count(*)::int as n from conversations where queue_id = $1 and routing_state = 'queued'`, [q]);
    expect(rows[0].n).toBe(30);
  });

  it('scenario 15 (burst 3): each agent gets at most fairness_burst per pass', async () => {
    const q = await w.queue({ autoAccept: false, fairnessBurst: 3 });
    for (let i = 0; i < 12; i++) await w.waiting(q);
    const a = await w.agent({ queues: [q], capacity: { webchat: 10 } });
    const b = await w.agent({ queues: [q], capacity: { webchat: 10 } });
    const r = await w.dispatch(q);
    expect(placedPerAgent(r)).toEqual(new Map([[a, 3], [b, 3]]));
  });

  it('scenario 16: after a night with everyone offline, the first agent online gets the backlog without a customer message', async () => {
    const q = await w.queue({ autoAccept: true });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 }, status: 'offline' });
    await w.agent({ queues: [q], capacity: { webchat: 3 }, status: 'offline' });
    const night: string[] = [];
    for (let i = 0; i < 5; i++) night.push(await w.waiting(q, { waitedS: 8 * 3600 - i * 60 }));
    expect(await w.drain(q)).toEqual({ assigned: 0, offered: 0 });

    w.clock.advance(8 * 3600_000);
    const { dispatch } = await setAgentPresence(w.pool, { agentId: a, status: 'online', clock: w.clock });
    expect(dispatch).toEqual([q]);
    let assigned = 0;
    for (const queueId of dispatch) assigned += (await w.drain(queueId)).assigned;
    expect(assigned).toBe(3);
    // oldest first; nothing was written by the customers
    for (const id of night.slice(0, 3)) expect(await w.conversation(id)).toMatchObject({ routingState: 'assigned', assigneeId: a });
    for (const id of night.slice(3)) expect((await w.conversation(id)).routingState).toBe('queued');
    const { rows } = await w.pool.query(`select count(*)::int as n from messages where conversation_id = any($1)`, [night]);
    expect(rows[0].n).toBe(0);
  });
});
