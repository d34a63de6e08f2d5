import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { queuePosition, queueStats } from '@switchboard/routing';
import { inboundKit, type InboundKit } from './inbound-kit.ts';
import { createWorld, type World } from './world.ts';

let w: World;
let kit: InboundKit;
beforeAll(async () => {
  w = await createWorld();
  kit = inboundKit(w);
});
afterAll(async () => {
  await w.close();
});

const position = (id: string) => queuePosition(w.pool, id, w.clock);

async function realWaitS(id: string): Promise<number> {
  const { rows } = await w.pool.query<{ s: number }>(`select extract(epoch from $2::timestamptz - enqueued_at)::float8 as s from conversations where id = $1`, [id, w.clock.now()]);
  return rows[0]!.s;
}

describe('queue position and estimated wait', () => {
  it('scenario 45: position and EWT decrease as earlier conversations are assigned; a higher-priority arrival moves the position back by one', async () => {
    const q = await w.queue();
    const inbox = await kit.inbox('telegram', q);
    const agent = await w.agent({ queues: [q], capacity: { telegram: 2 } });
    // recent history: two conversations that each waited 120 s before being assigned
    const history = [await w.waiting(q, { channel: 'telegram', waitedS: 120 }), await w.waiting(q, { channel: 'telegram', waitedS: 120 })];
    expect((await w.drain(q)).assigned).toBe(2);

    const waiting: string[] = [];
    for (const from of ['p1', 'p2', 'p3']) {
      w.clock.advance(1_000);
      waiting.push((await kit.send(inbox, { from })).outcome.conversationId);
    }
    expect(await position(waiting[2]!)).toEqual({ queueId: q, position: 3, ahead: 2, estimatedWaitS: 360 });
    expect(await position(waiting[0]!)).toEqual({ queueId: q, position: 1, ahead: 0, estimatedWaitS: 120 });

    // one agent slot frees: the first in line is assigned and everyone behind moves up
    w.clock.advance(2_000);
    await w.resolve(history[0]!);
    await w.drain(q);
    expect(await w.conversation(waiting[0]!)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
    expect(await position(waiting[0]!)).toBeUndefined();
    // the median of the waits (120, 120, 4) is still 120
    expect(await position(waiting[2]!)).toEqual({ queueId: q, position: 2, ahead: 1, estimatedWaitS: 240 });

    // a priority conversation arrives: it goes ahead of everyone waiting
    const urgent = await w.waiting(q, { channel: 'telegram', priority: 5 });
    expect(await position(urgent)).toMatchObject({ position: 1 });
    expect(await position(waiting[2]!)).toEqual({ queueId: q, position: 3, ahead: 2, estimatedWaitS: 360 });
    expect(await position(waiting[1]!)).toMatchObject({ position: 2 });

    // a VIP age adjustment counts like the dispatcher counts it
    const vip = await w.waiting(q, { channel: 'telegram', ageAdjustS: 600 });
    expect(await position(vip)).toMatchObject({ position: 2 });
    expect(await position(waiting[2]!)).toMatchObject({ position: 4 });

    // more agents online share the line
    await w.agent({ queues: [q], capacity: { telegram: 0 } }); // online but no telegram capacity: not eligible
    await w.agent({ queues: [q], capacity: { telegram: 2 }, status: 'offline' });
    const second = await w.agent({ queues: [q], capacity: { webchat: 3 } });
    await w.pool.query(`insert into agent_load(agent_id, channel, capacity) values ($1, 'telegram', 1)`, [second]);
    expect(await position(waiting[2]!)).toEqual({ queueId: q, position: 4, ahead: 3, estimatedWaitS: 240 });

    // no assignment in the last 30 minutes: no basis for an estimate
    w.clock.advance(31 * 60_000);
    expect(await position(waiting[2]!)).toEqual({ queueId: q, position: 4, ahead: 3, estimatedWaitS: null });
  });
});

describe('queue stats', () => {
  it('scenario 46: longest_wait_seconds is now − the oldest queued enqueued_at; tasks_by_state sums to all open conversations of the queue', async () => {
    const q = await w.queue({ autoAccept: false, offerTimeoutS: 30 });
    const a1 = await w.agent({ queues: [q], capacity: { webchat: 1 } });
    const a2 = await w.agent({ queues: [q], capacity: { webchat: 1 }, status: 'offline' });
    const oldest = await w.waiting(q, { waitedS: 300 });
    const urgent = await w.waiting(q, { waitedS: 100, priority: 2 });
    const recent = await w.waiting(q, { waitedS: 10 });
    const vip = await w.waiting(q, { waitedS: 50, ageAdjustS: 600 });

    let stats = await queueStats(w.pool, q, w.clock);
    expect(stats.longestWait).toEqual({ conversationId: oldest, seconds: await realWaitS(oldest) });
    expect(stats.longestWait!.seconds).toBeCloseTo(300, 1);
    expect(stats.waiting).toEqual({ total: 4, byPriority: [{ priority: 2, count: 1 }, { priority: 0, count: 3 }] });
    expect(stats.tasksByState).toEqual({ queued: 4, offered: 0, assigned: 0 });
    expect(stats.agents).toEqual({ members: 2, online: 1, availableWithCapacity: 1 });

    // the priority conversation is offered first; a1 rejects it, then takes the next one in line (the VIP)
    const first = await w.dispatch(q);
    expect(first.offered.map((o) => o.conversationId)).toEqual([urgent]);
    stats = await queueStats(w.pool, q, w.clock);
    expect(stats.tasksByState).toEqual({ queued: 3, offered: 1, assigned: 0 });
    expect(stats.agents.availableWithCapacity).toBe(0);
    await w.reject(first.offered[0]!.offerId, a1);
    const second = await w.dispatch(q);
    expect(second.offered.map((o) => o.conversationId)).toEqual([vip]);
    expect((await w.accept(second.offered[0]!.offerId, a1)).ok).toBe(true);

    // a2 comes online and lets the offer expire
    await w.setStatus(a2, 'online');
    const third = await w.dispatch(q);
    expect(third.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[urgent, a2]]);
    w.clock.advance(30_000);
    await w.sweep();

    await w.resolve(recent);
    stats = await queueStats(w.pool, q, w.clock);
    expect(stats.offers).toEqual({ pending: 0, accepted: 1, rejected: 1, expired: 1, rescinded: 0, canceled: 0 });
    expect(stats.tasksByState).toEqual({ queued: 2, offered: 0, assigned: 1 });
    const { rows } = await w.pool.query(`select count(*)::int as n from conversations where queue_id = $1 and status <> 'resolved'`, [q]);
    expect(stats.openTotal).toBe(rows[0].n);
    expect(stats.tasksByState.queued + stats.tasksByState.offered + stats.tasksByState.assigned).toBe(stats.openTotal);
    // the real wait, not the VIP-adjusted one: the oldest still waiting
    expect(stats.longestWait).toEqual({ conversationId: oldest, seconds: await realWaitS(oldest) });
    expect(stats.longestWait!.seconds).toBeCloseTo(330, 1);
    expect(stats.waiting.total).toBe(2);
    expect(stats.agents).toEqual({ members: 2, online: 2, availableWithCapacity: 1 }); // a1 is full; a2 missed once and is free
  });

  it('an empty queue reports zeros and no longest wait', async () => {
    const q = await w.queue();
    expect(await queueStats(w.pool, q, w.clock)).toEqual({
      queueId: q, at: w.clock.now(), waiting: { total: 0, byPriority: [] }, longestWait: null,
      tasksByState: { queued: 0, offered: 0, assigned: 0 }, openTotal: 0,
      agents: { members: 0, online: 0, availableWithCapacity: 0 },
      offers: { pending: 0, accepted: 0, rejected: 0, expired: 0, rescinded: 0, canceled: 0 },
    });
  });
});
