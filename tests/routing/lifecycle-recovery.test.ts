import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '@switchboard/log';
import type { Producer } from '@switchboard/queue';
import { runDispatch } from '@switchboard/router';
import { applyOfflinePolicies, expireHeartbeats, heartbeat, reconcileLoad } from '@switchboard/routing';
import { invariantViolations } from './invariants.ts';
import { createWorld, type World } from './world.ts';

let w: World;
beforeAll(async () => {
  w = await createWorld();
});
afterAll(async () => {
  await w.close();
});

async function offerStatus(offerId: string): Promise<string> {
  const { rows } = await w.pool.query(`select status from offers where id = $1`, [offerId]);
  return rows[0].status;
}

async function presenceOf(agentId: string): Promise<{ status: string; lastHeartbeatAt: Date | null }> {
  const { rows } = await w.pool.query(`select status, last_heartbeat_at as "lastHeartbeatAt" from agent_presence where agent_id = $1`, [agentId]);
  return rows[0];
}

describe('recovery without Redis', () => {
  it('scenario 35: with Redis flushed, one sweep expires overdue offers and advances overdue steps', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 30, steps: [{ ringMax: 1, timeoutS: 60 }, {}] });
    const a = await w.agent({ queues: [q], capacity: { webchat: 1 }, ring: 1 });
    const b = await w.agent({ queues: [q], capacity: { webchat: 1 }, ring: 2 });
    const offeredChat = await w.waiting(q);
    const waitingChat = await w.waiting(q);
    const pass = await w.dispatch(q);
    expect(pass.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[offeredChat, a]]);
    expect(pass.stepTimers.map((t) => t.conversationId).sort()).toEqual([offeredChat, waitingChat].sort());
    // every BullMQ job (offer timeout, step timers) is lost here: nothing but the database remains

    w.clock.advance(61_000);
    expect(await w.sweep()).toEqual([q]);
    expect(await offerStatus(pass.offered[0]!.offerId)).toBe('expired');
    expect(await w.load(a)).toMatchObject({ pendingOffers: 0 });
    for (const c of [offeredChat, waitingChat]) expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', stepNo: 2 });

    const next = await w.dispatch(q);
    expect(next.offered.map((o) => [o.conversationId, o.agentId]).sort()).toEqual([[offeredChat, b], [waitingChat, a]].sort());
    expect(await invariantViolations(w.pool)).toEqual([]);
  });

  it('scenario 48: a crash after COMMIT but before the timer job leaves an offer the sweeper alone expires', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 15 });
    const a = await w.agent({ queues: [q] });
    const c = await w.waiting(q);
    const added: string[] = [];
    const crashing: Producer = {
      async add(name) {
        added.push(name);
        throw new Error('router died before the timer job was added');
      },
      async close() {},
    };
    // the router's own pass: commit, then arming the timer fails
    await runDispatch({ pool: w.pool, producer: crashing, logger: silentLogger(), clock: w.clock }, q);
    expect(added).toEqual(['routing-timers']);
    const [offer] = await w.pendingOffers({ conversationId: c });
    expect(offer).toMatchObject({ agentId: a });
    expect((await w.conversation(c)).routingState).toBe('offered');

    w.clock.advance(14_999);
    expect(await w.sweep()).toEqual([]);
    expect((await w.conversation(c)).routingState).toBe('offered');
    w.clock.advance(1);
    expect(await w.sweep()).toEqual([q]);
    expect(await offerStatus(offer!.id)).toBe('expired');
    expect(await w.conversation(c)).toMatchObject({ routingState: 'queued', assigneeId: null });
    expect(await w.load(a)).toMatchObject({ pendingOffers: 0 });

    const b = await w.agent({ queues: [q] });
    expect((await w.dispatch(q)).offered.map((o) => [o.conversationId, o.agentId])).toEqual([[c, b]]);
  });
});

describe('reconciliation', () => {
  it('scenario 36: agent_load corrupted by hand is healed from conversations and offers, with one load.drift event', async () => {
    const q = await w.queue();
    const offering = await w.queue({ autoAccept: false });
    const a = await w.agent({ queues: [q, offering], capacity: { webchat: 10 } });
    await w.waiting(q);
    await w.waiting(q);
    expect((await w.drain(q)).assigned).toBe(2);
    await w.waiting(offering);
    expect((await w.dispatch(offering)).offered).toHaveLength(1);
    expect(await reconcileLoad(w.pool, w.clock)).toEqual({ drift: [], dispatch: [] });

    await w.pool.query(`update agent_load set active = 5, pending_offers = 3 where agent_id = $1`, [a]);
    const healed = await reconcileLoad(w.pool, w.clock);
    expect(healed.drift).toEqual([{ agentId: a, pool: 'webchat', before: { active: 5, pendingOffers: 3 }, after: { active: 2, pendingOffers: 1 } }]);
    expect(healed.dispatch.sort()).toEqual([q, offering].sort());
    expect(await w.load(a)).toMatchObject({ active: 2, pendingOffers: 1 });
    const events = await w.events('load.drift');
    expect(events).toMatchObject([{ agentId: a, payload: { pool: 'webchat', before: { active: 5, pendingOffers: 3 }, after: { active: 2, pendingOffers: 1 } } }]);

    // healed means quiet: a second run finds nothing and emits nothing
    expect(await reconcileLoad(w.pool, w.clock)).toEqual({ drift: [], dispatch: [] });
    expect(await w.events('load.drift')).toHaveLength(1);

    // too low is healed too (it would let the agent be overfilled)
    await w.pool.query(`update agent_load set active = 0 where agent_id = $1`, [a]);
    expect((await reconcileLoad(w.pool, w.clock)).drift).toMatchObject([{ before: { active: 0 }, after: { active: 2 } }]);
    expect(await invariantViolations(w.pool)).toEqual([]);
  });
});

describe('heartbeats', () => {
  it('an agent whose client stops heartbeating goes offline after the grace: offers rescinded, held chats follow the policy', async () => {
    const q = await w.queue({ autoAccept: false, offlinePolicy: 'requeue_after_grace', offlineGraceS: 60 });
    const a = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    const held = await w.waiting(q);
    const first = await w.dispatch(q);
    expect((await w.accept(first.offered[0]!.offerId, a)).ok).toBe(true);
    const pending = await w.waiting(q);
    const second = await w.dispatch(q);
    expect(second.offered.map((o) => o.conversationId)).toEqual([pending]);

    expect(await heartbeat(w.pool, a, w.clock)).toEqual({ status: 'online' });
    w.clock.advance(45_000);
    expect(await heartbeat(w.pool, a, w.clock)).toEqual({ status: 'online' });
    w.clock.advance(59_000);
    expect(await expireHeartbeats(w.pool, w.clock, 60)).toEqual([]);
    expect((await presenceOf(a)).status).toBe('online');

    w.clock.advance(1_000); // 60 s of silence
    expect(await expireHeartbeats(w.pool, w.clock, 60)).toEqual([q]);
    expect(await presenceOf(a)).toEqual({ status: 'offline', lastHeartbeatAt: null });
    expect(await offerStatus(second.offered[0]!.offerId)).toBe('rescinded');
    expect(await w.conversation(pending)).toMatchObject({ routingState: 'queued' });
    const [status] = (await w.events('agent.status')).filter((e) => e.agentId === a && e.payload.status === 'offline');
    expect(status?.payload).toMatchObject({ reason: 'heartbeat_lost', previous: 'online' });

    // a heartbeat from the dead session does not bring the agent back
    expect(await heartbeat(w.pool, a, w.clock)).toEqual({ status: 'offline' });
    w.clock.advance(60_000);
    expect(await applyOfflinePolicies(w.pool, w.clock)).toEqual([q]);
    expect(await w.conversation(held)).toMatchObject({ routingState: 'queued', assigneeId: null });
    expect(await w.load(a)).toMatchObject({ active: 0, pendingOffers: 0 });
  });

  it('clients that never heartbeat are never timed out', async () => {
    const q = await w.queue();
    const a = await w.agent({ queues: [q] });
    w.clock.advance(3_600_000);
    expect(await expireHeartbeats(w.pool, w.clock)).toEqual([]);
    expect(await presenceOf(a)).toEqual({ status: 'online', lastHeartbeatAt: null });
    // a heartbeating client's presence change counts as a sign of life
    await heartbeat(w.pool, a, w.clock);
    w.clock.advance(50_000);
    await w.setStatus(a, 'away');
    w.clock.advance(50_000);
    expect(await expireHeartbeats(w.pool, w.clock)).toEqual([]);
    w.clock.advance(10_000);
    await expireHeartbeats(w.pool, w.clock);
    expect((await presenceOf(a)).status).toBe('offline');
  });
});
