import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

describe('offers', () => {
  it('scenario 1: an agent at capacity gets nothing new; the waiting chat is assigned as soon as one closes', async () => {
    const q = await w.queue();
    const agent = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const chats = [];
    for (let i = 0; i < 4; i++) chats.push(await w.waiting(q));
    expect((await w.drain(q)).assigned).toBe(3);
    expect((await w.conversation(chats[3]!)).routingState).toBe('queued');
    expect(await w.load(agent)).toMatchObject({ active: 3, capacity: 3 });

    const freed = await w.resolve(chats[0]!);
    expect(freed?.freedQueueIds).toContain(q);
    await w.dispatch(q);
    expect(await w.conversation(chats[3]!)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
  });

  it('scenario 4: two accepts of one offer: one succeeds, one gets a conflict, one assignee', async () => {
    const q = await w.queue({ autoAccept: false });
    const agent = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    const { offered } = await w.dispatch(q);
    const offerId = offered[0]!.offerId;
    const results = await Promise.all([w.accept(offerId, agent), w.accept(offerId, agent)]);
    expect(results.filter((r) => r.ok)).toHaveLength(1);
    expect(results.filter((r) => !r.ok)).toEqual([{ ok: false, reason: 'not_pending' }]);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
    expect(await w.load(agent)).toMatchObject({ active: 1, pendingOffers: 0 });
  });

  it('scenario 5: an accept just after expiry is refused and the conversation goes to someone else', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 30 });
    const late = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    const { offered } = await w.dispatch(q);
    expect(offered[0]!.agentId).toBe(late);
    const other = await w.agent({ queues: [q] });
    w.clock.advance(30_001);
    expect(await w.accept(offered[0]!.offerId, late)).toEqual({ ok: false, reason: 'expired' });
    await w.sweep();
    const again = await w.dispatch(q);
    expect(again.offered.map((o) => o.agentId)).toEqual([other]);
    expect(again.offered[0]!.conversationId).toBe(c);
  });

  it('scenario 6: an unanswered offer expires, releases capacity and goes to the next-ranked agent, keeping its place', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 20 });
    const a = await w.agent({ queues: [q] });
    const older = await w.waiting(q, { waitedS: 120 });
    const { offered } = await w.dispatch(q);
    expect(offered[0]).toMatchObject({ conversationId: older, agentId: a });
    const b = await w.agent({ queues: [q] });
    await w.waiting(q); // a newer conversation must not jump ahead
    w.clock.advance(20_000);
    await w.sweep();
    const { rows } = await w.pool.query(`select status from offers where id = $1`, [offered[0]!.offerId]);
    expect(rows[0].status).toBe('expired');
    expect(await w.load(a)).toMatchObject({ pendingOffers: 0 });
    const next = await w.dispatch(q);
    expect(next.offered.find((o) => o.conversationId === older)?.agentId).toBe(b);
  });

  it('scenario 7: a rejecting agent is excluded; with only them online the conversation waits for a second agent', async () => {
    const q = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    const { offered } = await w.dispatch(q);
    expect((await w.reject(offered[0]!.offerId, a)).ok).toBe(true);
    expect((await w.dispatch(q)).offered).toEqual([]);
    expect((await w.conversation(c)).routingState).toBe('queued');
    const b = await w.agent({ queues: [q] });
    expect((await w.dispatch(q)).offered.map((o) => o.agentId)).toEqual([b]);
  });

  it('scenario 8: three misses in a row set the agent away; back online, offers resume with the counter reset', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 10, maxMisses: 3 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 5 } });
    for (let i = 0; i < 3; i++) {
      await w.waiting(q);
      const { offered } = await w.dispatch(q);
      expect(offered.map((o) => o.agentId)).toEqual([a]);
      w.clock.advance(10_000);
      await w.sweep();
    }
    const { rows } = await w.pool.query(`select status, consecutive_misses from agent_presence where agent_id = $1`, [a]);
    expect(rows[0]).toEqual({ status: 'away', consecutive_misses: 3 });
    await w.waiting(q);
    expect((await w.dispatch(q)).offered).toEqual([]);

    await w.setStatus(a, 'online');
    const { rows: after } = await w.pool.query(`select consecutive_misses from agent_presence where agent_id = $1`, [a]);
    expect(after[0].consecutive_misses).toBe(0);
    const resumed = await w.dispatch(q);
    expect(resumed.offered.map((o) => o.agentId)).toEqual([a]);
  });

  it('scenario 34: a duplicated timeout for an accepted offer changes nothing', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 5 });
    const a = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    const { offered } = await w.dispatch(q);
    expect((await w.accept(offered[0]!.offerId, a)).ok).toBe(true);
    w.clock.advance(60_000);
    const { expireOffer } = await import('@switchboard/routing');
    expect(await expireOffer(w.pool, offered[0]!.offerId, w.clock)).toEqual({ dispatch: [] });
    expect(await expireOffer(w.pool, offered[0]!.offerId, w.clock)).toEqual({ dispatch: [] });
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: a });
    expect(await w.load(a)).toMatchObject({ active: 1, pendingOffers: 0 });
  });
});
