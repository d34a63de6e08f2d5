import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { recordInbound, withTransaction } from '@switchboard/db';
import {
  advanceStepIfDue, applyOfflinePolicies, assignConversation, expireOffer, heldByOfflineAgent, routeInbound, setAgentPresence, transferConversation,
} from '@switchboard/routing';
import { inboundText } from '@switchboard/testkit';
import { invariantViolations } from './invariants.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

const user = (agentId: string | null = null) => ({ agentId, kind: 'user' as const });

async function offerStatus(offerId: string): Promise<string> {
  const { rows } = await w.pool.query(`select status from offers where id = $1`, [offerId]);
  return rows[0].status;
}

async function routingRow(id: string) {
  const { rows } = await w.pool.query(
    `select enqueued_at as "enqueuedAt", step_no as "stepNo", step_started_at as "stepStartedAt", offer_attempts as "offerAttempts", thread_key as "threadKey"
       from conversations where id = $1`,
    [id],
  );
  return rows[0];
}

describe('presence and offline policies', () => {
  it('scenario 25: an agent going offline with 2 pending offers has both rescinded at once and re-offered elsewhere', async () => {
    const q = await w.queue({ autoAccept: false, fairnessBurst: 2 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const chats = [await w.waiting(q), await w.waiting(q)];
    const first = await w.dispatch(q);
    expect(first.offered.map((o) => o.agentId)).toEqual([a, a]);
    expect(await w.load(a)).toMatchObject({ pendingOffers: 2 });
    const b = await w.agent({ queues: [q], capacity: { webchat: 3 } });

    const wentOffline = w.clock.now();
    const change = await setAgentPresence(w.pool, { agentId: a, status: 'offline', clock: w.clock });
    expect(change.dispatch).toEqual([q]);
    for (const o of first.offered) expect(await offerStatus(o.offerId)).toBe('rescinded');
    expect(await w.load(a)).toMatchObject({ active: 0, pendingOffers: 0 });
    for (const c of chats) expect((await w.conversation(c)).routingState).toBe('queued');

    // the dispatch the change asked for runs at once: no timer, no clock movement
    expect(await w.drain(q)).toEqual({ assigned: 0, offered: 2 });
    expect((await w.pendingOffers({ agentId: b })).map((o) => o.conversationId).sort()).toEqual([...chats].sort());
    expect(w.clock.now()).toEqual(wentOffline);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 26: requeue_after_grace keeps chats through a reconnect at 30 s and requeues all 3 at 61 s with their priority', async () => {
    const q = await w.queue({ offlinePolicy: 'requeue_after_grace', offlineGraceS: 60 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const chats = [await w.waiting(q, { priority: 5 }), await w.waiting(q, { priority: 0 }), await w.waiting(q, { priority: 2 })];
    expect((await w.drain(q)).assigned).toBe(3);
    await w.pool.query(`update conversations set sticky_agent_id = $2 where id = any($1)`, [chats, a]);

    await w.setStatus(a, 'offline');
    w.clock.advance(30_000);
    await w.setStatus(a, 'online'); // reconnect within the grace
    w.clock.advance(31_000);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([]);
    for (const c of chats) expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: a });

    const wentOffline = w.clock.now();
    await w.setStatus(a, 'offline');
    w.clock.advance(59_000);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([]);
    expect((await heldByOfflineAgent(w.pool, q))).toEqual([{ queueId: q, count: 3 }]);
    w.clock.advance(2_000); // 61 s offline
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([q]);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([]);

    const priorities = [5, 0, 2];
    for (const [i, c] of chats.entries()) {
      expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', assigneeId: null, stickyAgentId: null, priority: priorities[i] });
      expect((await routingRow(c)).enqueuedAt).toEqual(wentOffline);
    }
    expect(await w.load(a)).toMatchObject({ active: 0, pendingOffers: 0 });
    expect(await w.events('conversation.requeued')).toHaveLength(3);
    const { rows: open } = await w.pool.query(`select count(*)::int as n from assignments where conversation_id = any($1) and ended_at is null`, [chats]);
    expect(open[0].n).toBe(0);

    const b = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const next = await w.dispatch(q); // one per pass (fairness): the priority-5 chat first
    expect(next.assigned).toEqual([{ conversationId: chats[0], agentId: b }]);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 27: offline_policy=keep leaves the chats with the offline agent, counted by held_by_offline_agent', async () => {
    const q = await w.queue({ offlinePolicy: 'keep', offlineGraceS: 60 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const chats = [await w.waiting(q), await w.waiting(q)];
    expect((await w.drain(q)).assigned).toBe(2);
    expect(await heldByOfflineAgent(w.pool, q)).toEqual([]);

    await w.setStatus(a, 'offline');
    w.clock.advance(3_600_000);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([]);
    for (const c of chats) expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: a });
    expect(await w.load(a)).toMatchObject({ active: 2 });
    expect(await heldByOfflineAgent(w.pool, q)).toEqual([{ queueId: q, count: 2 }]);
    expect(await heldByOfflineAgent(w.pool)).toContainEqual({ queueId: q, count: 2 });

    await w.setStatus(a, 'online');
    expect(await heldByOfflineAgent(w.pool, q)).toEqual([]);
  });

  it('requeue_if_unanswered requeues only the chats the offline agent has not answered since assignment', async () => {
    const q = await w.queue({ offlinePolicy: 'requeue_if_unanswered', offlineGraceS: 60 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const [answered, unanswered, answeredBefore] = [await w.waiting(q), await w.waiting(q), await w.waiting(q)];
    expect((await w.drain(q)).assigned).toBe(3);
    const assignedAt = w.clock.now();
    await w.pool.query(`update conversations set last_agent_reply_at = $2 where id = $1`, [answered, new Date(assignedAt.getTime() + 5_000)]);
    // a reply to an earlier assignment does not count for this one
    await w.pool.query(`update conversations set last_agent_reply_at = $2 where id = $1`, [answeredBefore, new Date(assignedAt.getTime() - 60_000)]);

    w.clock.advance(10_000);
    await w.setStatus(a, 'offline');
    w.clock.advance(60_000);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([q]);
    expect(await w.conversation(answered)).toMatchObject({ routingState: 'assigned', assigneeId: a });
    expect(await w.conversation(unanswered)).toMatchObject({ routingState: 'queued', assigneeId: null });
    expect(await w.conversation(answeredBefore)).toMatchObject({ routingState: 'queued', assigneeId: null });
    expect(await w.load(a)).toMatchObject({ active: 1 });
    expect(await heldByOfflineAgent(w.pool, q)).toEqual([{ queueId: q, count: 1 }]);
  });
});

describe('transfers', () => {
  it('scenario 28: an agent in transfer_only gets transfers but no new queue offers', async () => {
    const q = await w.queue();
    const t = await w.agent({ queues: [q], status: 'transfer_only' });
    const c = await w.waiting(q);
    expect((await w.dispatch(q)).assigned).toEqual([]);
    expect((await w.conversation(c)).routingState).toBe('queued');

    const o = await w.agent({ queues: [q] });
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: o }]);
    const moved = await transferConversation(w.pool, { conversationId: c, to: { agentId: t }, by: user(o), note: 'billing question', clock: w.clock });
    expect(moved).toMatchObject({ ok: true, outcome: 'assigned', agentId: t, overCapacity: false });
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: t });
    expect(await w.load(o)).toMatchObject({ active: 0 });
    expect(await w.load(t)).toMatchObject({ active: 1 });
    const [transferred] = await w.events('conversation.transferred', c);
    expect(transferred).toMatchObject({ agentId: t, payload: { from: { agentId: o, queueId: q }, to: { agentId: t }, note: 'billing question' } });

    // in a queue that offers, the transfer is an offer the transfer_only agent may accept
    const offering = await w.queue({ autoAccept: false });
    const o2 = await w.agent({ queues: [offering] });
    const c2 = await w.waiting(offering);
    const { offered } = await w.dispatch(offering);
    expect((await w.accept(offered[0]!.offerId, o2)).ok).toBe(true);
    const offer = await transferConversation(w.pool, { conversationId: c2, to: { agentId: t }, by: user(o2), clock: w.clock });
    expect(offer).toMatchObject({ ok: true, outcome: 'offered', agentId: t });
    expect(await w.load(o2)).toMatchObject({ active: 0, pendingOffers: 0 });
    expect(await w.load(t)).toMatchObject({ active: 1, pendingOffers: 1 });
    expect(await w.accept(offer.ok ? offer.offer!.offerId : '', t)).toEqual({ ok: true, conversationId: c2 });
    expect(await w.conversation(c2)).toMatchObject({ routingState: 'assigned', assigneeId: t });
    expect(await w.load(t)).toMatchObject({ active: 2, pendingOffers: 0 });
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 29: a transfer to an agent at capacity is refused unless forced, which records over_capacity', async () => {
    const q = await w.queue();
    const src = await w.agent({ queues: [q] });
    const full = await w.agent({ queues: [], capacity: { webchat: 1 } });
    const elsewhere = await w.waiting(await w.queue());
    expect(await assignConversation(w.pool, { conversationId: elsewhere, agentId: full, by: user(), clock: w.clock })).toMatchObject({ ok: true });
    const c = await w.waiting(q);
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: src }]);

    const refused = await transferConversation(w.pool, { conversationId: c, to: { agentId: full }, by: user(src), clock: w.clock });
    expect(refused).toEqual({ ok: false, reason: 'over_capacity' });
    expect(await w.conversation(c)).toMatchObject({ routingState: 'assigned', assigneeId: src });
    expect(await w.load(src)).toMatchObject({ active: 1 });
    expect(await w.events('conversation.transferred', c)).toEqual([]);

    const forced = await transferConversation(w.pool, { conversationId: c, to: { agentId: full }, by: user(src), force: true, clock: w.clock });
    expect(forced).toMatchObject({ ok: true, outcome: 'assigned', agentId: full, overCapacity: true });
    expect(await w.load(full)).toMatchObject({ active: 2, capacity: 1 });
    expect(await w.load(src)).toMatchObject({ active: 0 });
    expect(await w.events('agent.over_capacity', c)).toMatchObject([{ agentId: full, payload: { pool: 'webchat' } }]);

    await w.resolve(c);
    const { rows } = await w.pool.query(`select active, forced from agent_load where agent_id = $1`, [full]);
    expect(rows[0]).toEqual({ active: 1, forced: 0 });
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 30: a transfer to a queue cancels the old queue\'s offer and step timer and leaves the SLA clock running', async () => {
    const from = await w.queue({ autoAccept: false, offerTimeoutS: 30, steps: [{ ringMax: 1, timeoutS: 20 }, {}] });
    const to = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [from] });
    const c = await w.waiting(from, { priority: 4 });
    const { offered, stepTimers } = await w.dispatch(from);
    expect(offered.map((o) => o.agentId)).toEqual([a]);
    expect(stepTimers).toHaveLength(1);
    const due = new Date(w.clock.now().getTime() + 300_000);
    await w.pool.query(`insert into sla_timers(conversation_id, kind, started_at, due_at) values ($1, 'frt', $2, $3)`, [c, w.clock.now(), due]);
    const enqueuedAt = (await routingRow(c)).enqueuedAt;

    const moved = await transferConversation(w.pool, { conversationId: c, to: { queueId: to }, by: user(), clock: w.clock });
    expect(moved).toMatchObject({ ok: true, outcome: 'queued', queueId: to, canceledOfferIds: [offered[0]!.offerId] });
    expect(moved.ok && moved.dispatch).toEqual(expect.arrayContaining([to, from]));
    expect(await offerStatus(offered[0]!.offerId)).toBe('canceled');
    expect(await w.load(a)).toMatchObject({ pendingOffers: 0 });
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', queueId: to, stepNo: 1, priority: 4 });
    // it was still waiting, so it keeps its place in line
    expect(await routingRow(c)).toMatchObject({ enqueuedAt, stepStartedAt: null, offerAttempts: 0 });

    // the old queue's timers fire late and find nothing to do
    w.clock.advance(31_000);
    expect(await expireOffer(w.pool, offered[0]!.offerId, w.clock)).toEqual({ dispatch: [] });
    expect(await advanceStepIfDue(w.pool, c, 1, w.clock)).toBe(false);
    await w.sweep();
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', queueId: to, stepNo: 1 });
    const { rows: sla } = await w.pool.query(`select due_at, paused_at, met_at, breached_at from sla_timers where conversation_id = $1`, [c]);
    expect(sla).toEqual([{ due_at: due, paused_at: null, met_at: null, breached_at: null }]);

    const b = await w.agent({ queues: [to] });
    expect((await w.dispatch(to)).offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, b]]);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });
});

describe('resolve and reopen', () => {
  it('scenario 31: resolving releases capacity and names every queue of the agent for dispatch', async () => {
    const qa = await w.queue();
    const qb = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [qa, qb], capacity: { webchat: 1 } });
    const c1 = await w.waiting(qa);
    expect((await w.dispatch(qa)).assigned).toEqual([{ conversationId: c1, agentId: a }]);
    const c2 = await w.waiting(qb);
    expect((await w.dispatch(qb)).offered).toEqual([]);

    const freed = await w.resolve(c1);
    expect(freed?.freedQueueIds.sort()).toEqual([qa, qb].sort());
    expect(await w.load(a)).toMatchObject({ active: 0 });
    const { offered } = await w.dispatch(qb);
    expect(offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c2, a]]);

    // resolving an offered conversation rescinds the offer and gives the reservation back
    await w.resolve(c2);
    expect(await offerStatus(offered[0]!.offerId)).toBe('rescinded');
    expect(await w.load(a)).toMatchObject({ active: 0, pendingOffers: 0 });
    expect(await w.conversation(c2)).toMatchObject({ routingState: 'closed', status: 'resolved', assigneeId: null });
  });

  it('scenario 32: a reopened conversation goes to its previous agent first, or at once to another if they are offline', async () => {
    const q = await w.queue();
    const a = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);
    await w.resolve(c);
    const b = await w.agent({ queues: [q] });
    // a is busier than b: least_load alone would choose b
    const other = await w.waiting(q);
    await assignConversation(w.pool, { conversationId: other, agentId: a, by: user(), clock: w.clock });

    const inbox = await w.inboxFor('webchat');
    await w.pool.query(`update inboxes set default_queue_id = $2 where id = $1`, [inbox, q]);
    const { threadKey } = await routingRow(c);
    // the router's inbound path: store the message, then classify and queue, in one transaction
    const writeAgain = (text: string) =>
      withTransaction(w.pool, async (tx) => {
        const event = inboundText(inbox, { from: threadKey, text, channel: 'webchat' });
        const stored = await recordInbound(tx, event);
        if (stored.kind !== 'stored') throw new Error(`not stored: ${stored.kind}`);
        const routed = await routeInbound(tx, { conversationId: stored.conversationId, messageId: stored.messageId, conversation: stored.conversation, event, now: w.clock.now() });
        return { ...stored, dispatch: routed.dispatch };
      });
    expect(await writeAgain('it broke again')).toMatchObject({ conversationId: c, conversation: 'reopened', dispatch: [q] });
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', stickyAgentId: a });
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: a }]);

    await w.resolve(c);
    await w.setStatus(a, 'offline');
    expect(await writeAgain('still broken')).toMatchObject({ conversation: 'reopened', dispatch: [q] });
    expect(await w.conversation(c)).toMatchObject({ stickyAgentId: a });
    expect((await w.dispatch(q)).assigned).toEqual([{ conversationId: c, agentId: b }]);
    expect(await w.conversation(c)).toMatchObject({ assigneeId: b, stickyAgentId: null });
  });
});
