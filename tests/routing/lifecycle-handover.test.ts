import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { assignConversation, expireOffer, reconcileLoad, removeQueueMember, setConversationStatus, transferConversation } from '@switchboard/routing';
import { invariantViolations } from './invariants.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

const automation = { agentId: null, kind: 'automation' as const };

async function offerStatus(offerId: string): Promise<string> {
  const { rows } = await w.pool.query(`select status from offers where id = $1`, [offerId]);
  return rows[0].status;
}

describe('manual assignment and automation', () => {
  it('scenario 37: an admin assigning while an offer is pending cancels it; the assignee keeps it, with no flip-flop', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 20 });
    const offered = await w.agent({ queues: [q] });
    const chosen = await w.agent({ queues: [] });
    const admin = await w.agent({ queues: [] });
    const c = await w.waiting(q);
    const pass = await w.dispatch(q);
    const offerId = pass.offered[0]!.offerId;
    expect(pass.offered[0]!.agentId).toBe(offered);

    const result = await assignConversation(w.pool, { conversationId: c, agentId: chosen, by: { agentId: admin, kind: 'user' }, note: 'VIP', clock: w.clock });
    expect(result).toMatchObject({ ok: true, outcome: 'assigned', agentId: chosen, canceledOfferIds: [offerId] });
    expect(result.ok && result.dispatch).toContain(q);
    expect(await offerStatus(offerId)).toBe('canceled');
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: chosen });
    expect(await w.load(offered)).toMatchObject({ active: 0, pendingOffers: 0 });
    expect(await w.load(chosen)).toMatchObject({ active: 1, pendingOffers: 0 });

    // everything that could flip it back: a late accept, the offer timer, the sweeper, another pass
    expect(await w.accept(offerId, offered)).toEqual({ ok: false, reason: 'not_pending' });
    w.clock.advance(21_000);
    expect(await expireOffer(w.pool, offerId, w.clock)).toEqual({ dispatch: [] });
    await w.sweep();
    await w.drain(q);
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: chosen });
    expect(await w.events('conversation.assigned', c)).toMatchObject([{ agentId: chosen, payload: { reason: 'manual', note: 'VIP', by: { agentId: admin } } }]);
    expect(await w.events('offer.canceled', c)).toHaveLength(1);
    // assigning again to the same agent changes nothing and says so
    expect(await assignConversation(w.pool, { conversationId: c, agentId: chosen, by: { agentId: admin, kind: 'user' }, clock: w.clock })).toMatchObject({ ok: true, outcome: 'unchanged' });
    expect(await w.events('conversation.assigned', c)).toHaveLength(1);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('manual assignment over capacity is refused with a typed result unless forced', async () => {
    const q = await w.queue({ strategy: 'manual' });
    const agent = await w.agent({ queues: [q], capacity: { webchat: 1 } });
    const away = await w.agent({ queues: [q], status: 'away' });
    const [c1, c2] = [await w.waiting(q), await w.waiting(q)];
    expect(await assignConversation(w.pool, { conversationId: c1, agentId: agent, by: { agentId: null, kind: 'user' }, clock: w.clock })).toMatchObject({ ok: true });
    expect(await assignConversation(w.pool, { conversationId: c2, agentId: agent, by: { agentId: null, kind: 'user' }, clock: w.clock })).toEqual({ ok: false, reason: 'over_capacity' });
    expect(await assignConversation(w.pool, { conversationId: c2, agentId: away, by: { agentId: null, kind: 'user' }, clock: w.clock })).toEqual({ ok: false, reason: 'agent_unavailable' });
    expect(await w.conversation(c2)).toMatchObject({ routingState: 'queued', assigneeId: null });
    const forced = await assignConversation(w.pool, { conversationId: c2, agentId: agent, by: { agentId: null, kind: 'user' }, force: true, clock: w.clock });
    expect(forced).toMatchObject({ ok: true, outcome: 'assigned', overCapacity: true });
    expect(await w.load(agent)).toMatchObject({ active: 2, capacity: 1 });
    expect(await w.events('agent.over_capacity', c2)).toHaveLength(1);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 38: an automation assignment racing auto-assignment yields exactly one assignee change', async () => {
    const q = await w.queue();
    const auto = await w.agent({ queues: [q], capacity: { webchat: 50 } });
    const ruled = await w.agent({ queues: [], capacity: { webchat: 50 } });
    const team = await w.queue();
    const teamAgent = await w.agent({ queues: [team], capacity: { webchat: 50 } });
    for (let i = 0; i < 12; i++) {
      const c = await w.waiting(q);
      const [pass, rule] = await Promise.all([
        w.dispatch(q),
        i % 2 === 0
          ? assignConversation(w.pool, { conversationId: c, agentId: ruled, by: automation, clock: w.clock })
          : transferConversation(w.pool, { conversationId: c, to: { queueId: team }, by: automation, clock: w.clock }),
      ]);
      const dispatched = pass.assigned.some((a) => a.conversationId === c);
      // exactly one of them took it; the loser saw the winner's commit and stood down
      expect(dispatched).toBe(!rule.ok);
      if (!rule.ok) expect(rule.reason).toBe('already_assigned');
      await w.drain(team);
      const assigned = await w.events('conversation.assigned', c);
      expect(assigned).toHaveLength(1);
      expect((await w.conversation(c)).assigneeId).toBe(assigned[0]!.agentId);
    }
    const loads = await Promise.all([auto, ruled, teamAgent].map((a) => w.load(a)));
    expect(loads.reduce((sum, l) => sum + l.active, 0)).toBe(12);
    expect((await reconcileLoad(w.pool, w.clock)).drift).toEqual([]);
  });
  it('a pending conversation whose units were released is handed over once: the new agent takes the units, the reply does not take them again', async () => {
    const q = await w.queue({ releaseOnPending: true });
    const a = await w.agent({ queues: [q], capacity: { webchat: 2 } });
    const c = await w.waiting(q);
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);
    expect(await setConversationStatus(w.pool, { conversationId: c, status: 'pending', clock: w.clock })).toMatchObject({ ok: true, released: true });
    expect(await w.load(a)).toMatchObject({ active: 0 });
    const b = await w.agent({ queues: [], capacity: { webchat: 2 } });
    expect(await transferConversation(w.pool, { conversationId: c, to: { agentId: b }, by: { agentId: a, kind: 'user' }, clock: w.clock })).toMatchObject({ ok: true, outcome: 'assigned' });
    expect(await setConversationStatus(w.pool, { conversationId: c, status: 'open', clock: w.clock })).toMatchObject({ ok: true, reclaim: 'none' });
    expect(await w.load(a)).toMatchObject({ active: 0 });
    expect(await w.load(b)).toMatchObject({ active: 1 });
    expect(await invariantViolations(w.pool)).toEqual([]);
  });
});

describe('queue membership', () => {
  it('scenario 47: an agent removed from a queue loses its pending offer there; active conversations stay', async () => {
    const q1 = await w.queue({ autoAccept: false });
    const q2 = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [q1, q2], capacity: { webchat: 5 } });
    const active = await w.waiting(q1);
    const first = await w.dispatch(q1);
    expect((await w.accept(first.offered[0]!.offerId, a)).ok).toBe(true);
    const pending1 = await w.waiting(q1);
    const pending2 = await w.waiting(q2);
    const [p1] = (await w.dispatch(q1)).offered;
    const [p2] = (await w.dispatch(q2)).offered;
    expect([p1?.conversationId, p2?.conversationId]).toEqual([pending1, pending2]);

    expect(await removeQueueMember(w.pool, q1, a, w.clock)).toEqual({ removed: true, dispatch: [q1] });
    expect(await offerStatus(p1!.offerId)).toBe('rescinded');
    expect(await offerStatus(p2!.offerId)).toBe('pending');
    expect(await w.conversation(pending1)).toMatchObject({ routingState: 'queued' });
    expect(await w.conversation(active)).toMatchObject({ routingState: 'assigned', assigneeId: a });
    expect(await w.load(a)).toMatchObject({ active: 1, pendingOffers: 1 });

    expect((await w.dispatch(q1)).offered).toEqual([]);
    const b = await w.agent({ queues: [q1] });
    expect((await w.dispatch(q1)).offered.map((o) => [o.conversationId, o.agentId])).toEqual([[pending1, b]]);
    expect(await removeQueueMember(w.pool, q1, a, w.clock)).toEqual({ removed: false, dispatch: [] });
    expect(await invariantViolations(w.pool)).toEqual([]);
  });
});
