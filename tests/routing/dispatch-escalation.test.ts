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

/** Each agent of `agents` is offered the conversation once (in strategy order) and rejects it. */
async function rejectAll(q: string, agents: string[]): Promise<void> {
  const rejected: string[] = [];
  for (let i = 0; i < agents.length; i++) {
    const { offered } = await w.dispatch(q);
    expect(offered).toHaveLength(1);
    const { offerId, agentId } = offered[0]!;
    expect(agents).toContain(agentId);
    expect(rejected).not.toContain(agentId);
    expect((await w.reject(offerId, agentId)).ok).toBe(true);
    rejected.push(agentId);
  }
}

describe('dispatch: escalation', () => {
  it('scenario 9: max_offer_attempts exhausted moves the conversation to step 2, with an alert', async () => {
    const q = await w.queue({ autoAccept: false, maxOfferAttempts: 3, steps: [{ ringMax: 1 }, {}] });
    const inner = [];
    for (let i = 0; i < 3; i++) inner.push(await w.agent({ queues: [q], ring: 1 }));
    const outer = await w.agent({ queues: [q], ring: 2 });
    const c = await w.waiting(q);
    await rejectAll(q, inner);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', stepNo: 2 });
    const alerts = await w.events('routing.alert', c);
    expect(alerts).toHaveLength(1);
    expect(alerts[0]!.payload).toMatchObject({ reason: 'max_offer_attempts', attempts: 3, stepNo: 1 });
    const { offered } = await w.dispatch(q);
    expect(offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, outer]]);
  });

  it('scenario 9 (overflow): with no further step, exhausted attempts move it to the overflow queue', async () => {
    const fallback = await w.queue({ autoAccept: false });
    const q = await w.queue({ autoAccept: false, maxOfferAttempts: 2, overflowQueueId: fallback });
    const a = await w.agent({ queues: [q] });
    const b = await w.agent({ queues: [q] });
    const helper = await w.agent({ queues: [fallback] });
    const c = await w.waiting(q);
    await rejectAll(q, [a, b]);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', queueId: fallback });
    expect((await w.events('routing.alert', c)).map((e) => e.payload.reason)).toEqual(['max_offer_attempts']);
    expect((await w.events('conversation.overflowed', c))[0]!.payload).toMatchObject({ from: q, to: fallback, reason: 'max_offer_attempts' });
    expect((await w.dispatch(fallback)).offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, helper]]);
  });

  it('scenario 20: a step needing es>=3 with nobody online and skip_if_no_agents moves to step 2 at once', async () => {
    const q = await w.queue({ autoAccept: false, steps: [{ requiredSkills: [{ skill: 'es', min: 3 }], timeoutS: 300, skipIfNoAgents: true }, {}] });
    await w.agent({ queues: [q], skills: { es: 5 }, status: 'offline' });
    const weak = await w.agent({ queues: [q], skills: { es: 2 } });
    const c = await w.waiting(q);
    const r = await w.dispatch(q);
    expect(r.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, weak]]);
    expect(await w.conversation(c)).toMatchObject({ stepNo: 2 });
    expect((await w.events('conversation.step_advanced', c)).map((e) => e.payload)).toEqual([{ stepNo: 2, reason: 'skip_if_no_agents' }]);
  });

  it('scenario 20 (staffed but busy): an online es>=3 agent who is full keeps it in step 1 until the timeout', async () => {
    const q = await w.queue({ autoAccept: false, steps: [{ requiredSkills: [{ skill: 'es', min: 3 }], timeoutS: 300, skipIfNoAgents: true }, {}] });
    const expert = await w.agent({ queues: [q], skills: { es: 5 }, capacity: { webchat: 1 } });
    await w.agent({ queues: [q], skills: { es: 1 } });
    await giveWork(w, expert, 1);
    const c = await w.waiting(q);
    const r = await w.dispatch(q);
    expect(r.offered).toEqual([]);
    expect(r.stepTimers).toEqual([{ conversationId: c, stepNo: 1, dueAt: new Date(w.clock.now().getTime() + 300_000) }]);
    expect((await w.conversation(c)).stepNo).toBe(1);
  });

  it('scenario 21: a 30 s ring-1 step widens to ring 2, and a ring-1 agent who frees up still gets the offer', async () => {
    const q = await w.queue({ autoAccept: false, steps: [{ ringMax: 1, timeoutS: 30 }, { ringMax: 2 }] });
    const inner = await w.agent({ queues: [q], ring: 1, capacity: { webchat: 1 } });
    const outer = await w.agent({ queues: [q], ring: 2, capacity: { webchat: 1 } });
    const [held] = await giveWork(w, inner, 1);
    const c = await w.waiting(q);
    const start = w.clock.now().getTime();
    const first = await w.dispatch(q);
    expect(first.offered).toEqual([]);
    expect(first.stepTimers).toEqual([{ conversationId: c, stepNo: 1, dueAt: new Date(start + 30_000) }]);

    w.clock.advance(29_000);
    expect(await w.sweep()).not.toContain(q);
    expect((await w.conversation(c)).stepNo).toBe(1);
    w.clock.advance(1_001);
    expect(await w.sweep()).toContain(q);
    expect((await w.conversation(c)).stepNo).toBe(2);

    // the ring-1 agent frees up before anyone in ring 2 took it: inner rings are preferred
    await w.resolve(held!);
    const widened = await w.dispatch(q);
    expect(widened.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, inner]]);

    // with the inner ring full again, the widened pool serves the next one
    expect((await w.accept(widened.offered[0]!.offerId, inner)).ok).toBe(true);
    const next = await w.waiting(q);
    expect((await w.dispatch(q)).offered).toEqual([]);
    w.clock.advance(30_000);
    const late = await w.dispatch(q); // the overdue step is caught up by the pass itself
    expect(late.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[next, outer]]);
  });

  it('scenario 22: a department with nobody online overflows; the chain A→B→C→A stops at depth 3', async () => {
    const a = await w.queue({ overflowWhenNoAgents: true });
    const b = await w.queue({ overflowWhenNoAgents: true });
    const c = await w.queue({ overflowWhenNoAgents: true });
    for (const [from, to] of [[a, b], [b, c], [c, a]] as const) await w.pool.query(`update queues set overflow_queue_id = $2 where id = $1`, [from, to]);
    for (const q of [a, b, c]) await w.agent({ queues: [q], status: 'offline' });
    const conv = await w.waiting(a);

    const hops: string[][] = [];
    for (const q of [a, b, c, a, b, c]) hops.push((await w.dispatch(q)).movedTo);
    expect(hops).toEqual([[b], [c], [a], [], [], []]);
    expect(await w.conversation(conv)).toMatchObject({ routingState: 'queued', queueId: a });
    expect((await w.events('conversation.overflowed', conv)).map((e) => e.payload.depth)).toEqual([1, 2, 3]);

    // still waiting in A, it is served as soon as someone there comes online
    const agent = await w.agent({ queues: [a] });
    expect((await w.dispatch(a)).assigned).toEqual([{ conversationId: conv, agentId: agent }]);
  });

  it('scenario 24: past max_wait_s a waiting conversation is closed as abandoned', async () => {
    const q = await w.queue({ maxWaitS: 600 });
    await w.agent({ queues: [q], status: 'offline' });
    const c = await w.waiting(q);
    w.clock.advance(599_000);
    await w.sweep();
    expect((await w.conversation(c)).routingState).toBe('queued');
    w.clock.advance(1_000);
    await w.sweep();
    expect(await w.conversation(c)).toMatchObject({ routingState: 'closed', status: 'resolved', closeReason: 'abandoned' });
    expect((await w.events('conversation.abandoned', c)).map((e) => e.payload)).toEqual([{ queueId: q, reason: 'max_wait' }]);
    await w.sweep();
    expect(await w.events('conversation.abandoned', c)).toHaveLength(1);
  });

  it('scenario 24 (overflow): past max_wait_s with max_wait_action=overflow it moves to the fallback queue', async () => {
    const fallback = await w.queue({ autoAccept: true });
    const q = await w.queue({ maxWaitS: 120, maxWaitAction: 'overflow', overflowQueueId: fallback });
    await w.agent({ queues: [q], status: 'offline' });
    const helper = await w.agent({ queues: [fallback] });
    const c = await w.waiting(q);
    w.clock.advance(120_000);
    expect(await w.sweep()).toEqual([fallback]);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', queueId: fallback });
    expect((await w.events('conversation.overflowed', c))[0]!.payload).toMatchObject({ from: q, to: fallback, reason: 'max_wait' });
    expect((await w.dispatch(fallback)).assigned).toEqual([{ conversationId: c, agentId: helper }]);
  });
});
