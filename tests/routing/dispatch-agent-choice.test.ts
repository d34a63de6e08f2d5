import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import { giveWork } from './dispatch-kit.ts';
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

describe('dispatch: sticky agent', () => {
  it('scenario 17: an online sticky agent with room gets it directly, skipping the strategy', async () => {
    const q = await w.queue({ autoAccept: false, strategy: 'least_load' });
    const sticky = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const idle = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    await giveWork(w, sticky, 2);
    const c = await w.waiting(q, { stickyAgentId: sticky });
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => o.agentId)).toEqual([sticky]);
    expect(offered.map((o) => o.agentId)).not.toContain(idle);
    const { rows } = await w.pool.query(`select payload from routing_decisions where conversation_id = $1 and kind = 'offered'`, [c]);
    expect(rows[0].payload).toMatchObject({ sticky: 'offer', chosen: sticky });
  });

  it('scenario 18: sticky agent full: the conversation waits up to sticky_wait_s, then goes elsewhere and stickiness is cleared', async () => {
    const q = await w.queue({ autoAccept: false, stickyWaitS: 60 });
    const sticky = await w.agent({ queues: [q], capacity: { webchat: 1 } });
    const other = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    await giveWork(w, sticky, 1);
    const c = await w.waiting(q, { stickyAgentId: sticky });
    expect((await w.dispatch(q)).offered).toEqual([]);
    w.clock.advance(59_000);
    expect((await w.dispatch(q)).offered).toEqual([]);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', stickyAgentId: sticky });

    w.clock.advance(1_000);
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, other]]);
    expect((await w.conversation(c)).stickyAgentId).toBeNull();
  });

  it('scenario 18 (frees in time): a sticky agent freed within sticky_wait_s still gets the conversation', async () => {
    const q = await w.queue({ autoAccept: false, stickyWaitS: 60 });
    const sticky = await w.agent({ queues: [q], capacity: { webchat: 1 } });
    await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const [held] = await giveWork(w, sticky, 1);
    const c = await w.waiting(q, { stickyAgentId: sticky });
    expect((await w.dispatch(q)).offered).toEqual([]);
    w.clock.advance(30_000);
    await w.resolve(held!);
    expect((await w.dispatch(q)).offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, sticky]]);
  });

  it('scenario 19: an offline sticky agent means no wait: normal routing at once', async () => {
    const q = await w.queue({ autoAccept: true, stickyWaitS: 600 });
    const sticky = await w.agent({ queues: [q], status: 'offline' });
    const other = await w.agent({ queues: [q] });
    const c = await w.waiting(q, { stickyAgentId: sticky });
    const { assigned } = await w.dispatch(q);
    expect(assigned).toEqual([{ conversationId: c, agentId: other }]);
    expect((await w.conversation(c)).stickyAgentId).toBeNull();
  });
});

describe('dispatch: capacity pools', () => {
  it('scenario 39: email (10) and chat (3) are counted apart: with 3 chats the agent still gets email', async () => {
    const q = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3, email: 10 } });
    await giveWork(w, a, 3, 'webchat');
    const chat = await w.waiting(q, { channel: 'webchat' });
    const email = await w.waiting(q, { channel: 'email' });
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => [o.conversationId, o.agentId])).toEqual([[email, a]]);
    expect((await w.conversation(chat)).routingState).toBe('queued');
    expect(await w.load(a, 'webchat')).toMatchObject({ active: 3, pendingOffers: 0, capacity: 3 });
    expect(await w.load(a, 'email')).toMatchObject({ active: 0, pendingOffers: 1, capacity: 10 });
  });

  it('scenario 40: weighted units (100; voice 100, chat 20): one chat blocks voice, five chats fill the agent', async () => {
    const q = await w.queue({ autoAccept: false, fairnessBurst: 10 });
    const a = await w.agent({ queues: [q], units: { total: 100, costs: { voice: 100, webchat: 20 } } });
    const firstChat = await w.waiting(q, { channel: 'webchat' });
    const call = await w.waiting(q, { channel: 'voice' });
    const one = await w.dispatch(q);
    expect(one.offered.map((o) => o.conversationId)).toEqual([firstChat]);
    expect(await w.load(a, '*')).toMatchObject({ active: 0, pendingOffers: 20, capacity: 100 });
    await w.accept(one.offered[0]!.offerId, a);
    expect((await w.conversation(call)).routingState).toBe('queued');

    const chats: string[] = [firstChat];
    for (let i = 0; i < 5; i++) chats.push(await w.waiting(q, { channel: 'webchat' }));
    const more = await w.dispatch(q);
    expect(more.offered.map((o) => o.conversationId)).toEqual(chats.slice(1, 5));
    for (const o of more.offered) expect((await w.accept(o.offerId, a)).ok).toBe(true);
    expect(await w.load(a, '*')).toMatchObject({ active: 100, pendingOffers: 0 });
    expect((await w.conversation(chats[5]!)).routingState).toBe('queued');
    expect((await w.conversation(call)).routingState).toBe('queued');

    // all chats done: the call (100 units) fits again, and is next in line
    for (const id of chats.slice(0, 5)) await w.resolve(id);
    const again = await w.dispatch(q);
    expect(again.offered.map((o) => o.conversationId)).toEqual([call]);
    expect(await w.load(a, '*')).toMatchObject({ active: 0, pendingOffers: 100 });
  });
});
