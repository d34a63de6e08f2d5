import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, waitForRedis } from '@switchboard/queue';
import { startRouter } from '@switchboard/router';
import { listDecisions, setConversationStatus, wakeSnoozed } from '@switchboard/routing';
import { dropQueuePrefix, testQueuePrefix, testRedisUrl } from '@switchboard/testkit';
import { inboundKit, type InboundKit } from './inbound-kit.ts';
import { expectInvariants } from './invariants.ts';
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

const MIN = 60_000;
const inMinutes = (m: number) => new Date(w.clock.now().getTime() + m * MIN);
const snooze = (conversationId: string, minutes: number) => setConversationStatus(w.pool, { conversationId, status: 'snoozed', snoozedUntil: inMinutes(minutes), clock: w.clock });
const snoozedUntil = async (id: string) => (await w.pool.query(`select snoozed_until as at from conversations where id = $1`, [id])).rows[0].at;

/** A release-on-pending queue fed by a Telegram inbox, with one agent of telegram capacity 1. */
async function setup(options: { pauseWhenPending?: boolean } = {}) {
  const q = await w.queue({ releaseOnPending: true });
  if (options.pauseWhenPending) await kit.setQueue(q, { sla_policy_id: await kit.slaPolicy({ rtS: 3600, pauseWhenPending: true }) });
  const inbox = await kit.inbox('telegram', q);
  const agent = await w.agent({ queues: [q], capacity: { telegram: 1 } });
  const send = async (from: string, text = 'hello') => (await kit.send(inbox, { from, text })).outcome.conversationId;
  return { q, agent, send };
}

describe('snoozed conversations wake at snoozed_until', () => {
  it('scenario 44: at snoozed_until the conversation opens again, its agent takes the released units back and the SLA clock carries on', async () => {
    const { q, agent, send } = await setup({ pauseWhenPending: true });
    const a = await send('wake-a');
    await w.drain(q);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
    const rtDue = (await kit.timers(a)).find((t) => t.kind === 'rt')!.dueAt!.getTime();

    expect(await snooze(a, 60)).toMatchObject({ ok: true, released: true, dispatch: [q] });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 0 });
    expect((await kit.timers(a)).find((t) => t.kind === 'rt')!.pausedAt).toEqual(w.clock.now());

    w.clock.advance(60 * MIN - 1);
    expect(await wakeSnoozed(w.pool, w.clock)).toEqual({ woken: [], requeued: [], dispatch: [] });
    expect(await w.conversation(a)).toMatchObject({ status: 'snoozed' });

    w.clock.advance(1);
    expect(await wakeSnoozed(w.pool, w.clock)).toEqual({ woken: [a], requeued: [], dispatch: [] });
    expect(await w.conversation(a)).toMatchObject({ status: 'open', routingState: 'assigned', assigneeId: agent });
    expect(await snoozedUntil(a)).toBeNull();
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1, capacity: 1 });
    // the hour asleep does not count against the resolution time
    expect((await kit.timers(a)).find((t) => t.kind === 'rt')).toMatchObject({ pausedAt: null, dueAt: new Date(rtDue + 60 * MIN) });
    expect((await w.events('conversation.status_changed', a)).at(-1)!.payload).toMatchObject({ status: 'open', previous: 'snoozed', reclaim: 'reclaimed' });
    expect((await listDecisions(w.pool, a)).map((d) => d.kind)).toEqual(expect.arrayContaining(['units_released', 'snooze_ended', 'units_reclaimed']));

    // once only: the next sweep finds nothing to do
    expect((await wakeSnoozed(w.pool, w.clock)).woken).toEqual([]);
    await expectInvariants(w.pool);
  });

  it('scenario 44: waking to an agent who filled up meanwhile puts the conversation back in line, sticky to them, never over capacity', async () => {
    const { q, agent, send } = await setup();
    const a = await send('full-a');
    await w.drain(q);
    await snooze(a, 10);
    const b = await send('full-b');
    await w.drain(q);
    expect(await w.conversation(b)).toMatchObject({ routingState: 'assigned', assigneeId: agent });

    w.clock.advance(10 * MIN);
    expect(await wakeSnoozed(w.pool, w.clock)).toEqual({ woken: [a], requeued: [a], dispatch: [q] });
    expect(await w.conversation(a)).toMatchObject({ status: 'open', routingState: 'queued', assigneeId: null, stickyAgentId: agent });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1, capacity: 1 });
    expect((await w.events('conversation.requeued', a)).map((e) => e.payload.reason)).toEqual(['reclaim_full']);
    expect((await w.dispatch(q)).assigned).toEqual([]);

    // the agent frees up: their customer comes back to them first
    await w.resolve(b);
    await w.drain(q);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
    await expectInvariants(w.pool);
  });

  it('scenario 44: waking is guarded: a customer reply or a later snooze wins, and two sweeps at once wake a conversation once', async () => {
    const { q, agent, send } = await setup();
    const a = await send('guard-a');
    await w.drain(q);

    // the customer writes before the snooze ends: opened by the reply, nothing left to wake
    await snooze(a, 10);
    w.clock.advance(5 * MIN);
    await send('guard-a', 'still there?');
    expect(await w.conversation(a)).toMatchObject({ status: 'open', routingState: 'assigned', assigneeId: agent });
    w.clock.advance(5 * MIN);
    expect((await wakeSnoozed(w.pool, w.clock)).woken).toEqual([]);
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });

    // snoozed again, then pushed back: the first time passes without a wake
    await snooze(a, 10);
    w.clock.advance(5 * MIN);
    await snooze(a, 30);
    w.clock.advance(5 * MIN);
    expect((await wakeSnoozed(w.pool, w.clock)).woken).toEqual([]);
    expect(await w.conversation(a)).toMatchObject({ status: 'snoozed' });

    // two routers sweep at the same moment: one wakes it, the other finds it open
    w.clock.advance(25 * MIN);
    const sweeps = await Promise.all([wakeSnoozed(w.pool, w.clock), wakeSnoozed(w.pool, w.clock)]);
    expect(sweeps.flatMap((s) => s.woken)).toEqual([a]);
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });
    expect((await w.events('conversation.status_changed', a)).filter((e) => e.payload.previous === 'snoozed' && e.payload.status === 'open')).toHaveLength(2);
    await expectInvariants(w.pool);
  });
});

describe('the router sweep', () => {
  const prefix = testQueuePrefix();
  let connections: ReturnType<typeof createRedis>[] = [];
  beforeAll(async () => {
    connections = [createRedis(testRedisUrl(), 'producer'), createRedis(testRedisUrl(), 'worker')];
    await Promise.all(connections.map((r) => waitForRedis(r)));
  });
  afterAll(async () => {
    for (const r of connections) r.disconnect();
    await dropQueuePrefix(prefix);
  });

  it('scenario 44: the periodic sweep wakes a due snoozed conversation and dispatches it to another agent when its own is full', async () => {
    const producer = createProducer(connections[0]!, prefix);
    // the periodic sweep is driven by hand, at the manual clock
    const router = startRouter({ pool: w.pool, connection: connections[1]!, producer, prefix, logger: silentLogger(), clock: w.clock, sweepIntervalMs: 3_600_000 });
    try {
      const { q, agent, send } = await setup();
      const a = await send('sweep-a');
      await w.drain(q);
      await snooze(a, 15);
      const b = await send('sweep-b');
      await w.drain(q);
      const other = await w.agent({ queues: [q], capacity: { telegram: 1 } });

      w.clock.advance(15 * MIN);
      await router.sweep();
      // back in line (its agent is full, and the queue does not wait for a sticky agent): the other agent has it
      expect(await w.conversation(a)).toMatchObject({ status: 'open', routingState: 'assigned', assigneeId: other, stickyAgentId: null });
      expect(await w.conversation(b)).toMatchObject({ assigneeId: agent });
      expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });
      expect(await w.load(other, 'telegram')).toMatchObject({ active: 1 });
      await expectInvariants(w.pool);
    } finally {
      await router.close();
      await producer.close();
    }
  });
});
