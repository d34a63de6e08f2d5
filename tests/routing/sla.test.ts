import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { FastifyInstance } from 'fastify';
import { buildApi } from '@switchboard/api';
import { createPool, isDatabaseReady } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, waitForRedis, type Producer } from '@switchboard/queue';
import { Queue } from 'bullmq';
import { jobIdFor } from '@switchboard/queue';
import { handleInbound } from '@switchboard/router';
import { breachDueSla, setConversationStatus, sweepSla } from '@switchboard/routing';
import { dropQueuePrefix, inboundText, testQueuePrefix, testRedisUrl } from '@switchboard/testkit';
import type { Redis } from 'ioredis';
import { inboundKit, type InboundKit } from './inbound-kit.ts';
import { createWorld, type World } from './world.ts';

const ADMIN_TOKEN = 'sla-test-admin-token-0123456789abcdef';
const prefix = testQueuePrefix();
let w: World;
let kit: InboundKit;
let redis: Redis;
let producer: Producer;
let api: FastifyInstance;

beforeAll(async () => {
  w = await createWorld();
  kit = inboundKit(w);
  redis = createRedis(testRedisUrl(), 'producer');
  await waitForRedis(redis);
  producer = createProducer(redis, prefix);
  api = await buildApi({
    pool: w.pool, producer, clock: w.clock, secretBox: w.box, logger: silentLogger(), adminToken: ADMIN_TOKEN,
    publicUrls: { telegramWebhookBase: 'https://hooks.example.test/', webchatBase: 'https://chat.example.test' },
    readiness: { database: () => isDatabaseReady(w.pool) },
  });
});
afterAll(async () => {
  await api.close();
  await producer.close();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await w.close();
});

const weekdays = (open: string, close: string) => Object.fromEntries(['mon', 'tue', 'wed', 'thu', 'fri'].map((d) => [d, [[open, close]] as [string, string][]]));

/** An agent's public reply through the REST API, as the agent UI sends it. */
async function agentReply(conversationId: string, text: string): Promise<string> {
  const res = await api.inject({ method: 'POST', url: `/api/v1/conversations/${conversationId}/messages`, headers: { authorization: `Bearer ${ADMIN_TOKEN}` }, payload: { text } });
  expect(res.statusCode).toBe(201);
  return res.json().id;
}

async function slaQueue(policy: Parameters<InboundKit['slaPolicy']>[0], options: Parameters<World['queue']>[0] = {}): Promise<{ queueId: string; inboxId: string }> {
  const queueId = await w.queue(options);
  await kit.setQueue(queueId, { sla_policy_id: await kit.slaPolicy(policy) });
  return { queueId, inboxId: await kit.inbox('telegram', queueId) };
}

const breachEvents = async (conversationId: string) => (await w.events('sla.breached', conversationId)).map((e) => e.payload.kind);

describe('SLA and business hours', () => {
  it('scenario 41: outside business hours a new chat is queued with an after-hours reply, FRT waits for opening, and at opening it is offered', async () => {
    const hours = await kit.businessHours({ timeZone: 'Europe/Berlin', weekly: weekdays('09:00', '17:00') });
    const { queueId: q, inboxId } = await slaQueue({ frtS: 600 }, { autoAccept: false });
    await kit.setQueue(q, { business_hours_id: hours, after_hours_message: 'We are closed. We open at 9:00 (Berlin).' });
    const agent = await w.agent({ queues: [q], capacity: { telegram: 2 }, status: 'offline' });

    w.clock.set(new Date('2026-01-05T20:00:00Z')); // Monday 21:00 in Berlin
    const night = await kit.send(inboxId, { from: 'night-owl' });
    const id = night.outcome.conversationId;
    expect(await w.conversation(id)).toMatchObject({ routingState: 'queued', queueId: q, status: 'open' });
    const replies = await kit.outbound(id);
    expect(replies).toEqual([expect.objectContaining({ text: 'We are closed. We open at 9:00 (Berlin).', status: 'queued', authorAgentId: null })]);
    expect(night.routing.outbound).toEqual([{ messageId: replies[0]!.id, channel: 'telegram', kind: 'after_hours' }]);
    // the FRT clock is paused until opening: it starts at 09:00 Berlin (08:00Z) with the full 10 minutes
    expect(await kit.timers(id)).toEqual([expect.objectContaining({ kind: 'frt', startedAt: new Date('2026-01-06T08:00:00Z'), dueAt: new Date('2026-01-06T08:10:00Z') })]);
    expect((await w.dispatch(q)).offered).toEqual([]);

    // a whole night later, still no breach
    w.clock.set(new Date('2026-01-06T08:00:00Z'));
    expect((await sweepSla(w.pool, w.clock)).breached).toEqual([]);
    await w.setStatus(agent, 'online');
    const opening = await w.dispatch(q);
    expect(opening.offered.map((o) => [o.conversationId, o.agentId])).toEqual([[id, agent]]);

    // during opening hours: no auto-reply, the clock starts at once
    w.clock.set(new Date('2026-01-06T09:00:00Z'));
    const day = await kit.send(inboxId, { from: 'early-bird' });
    expect(await kit.outbound(day.outcome.conversationId)).toEqual([]);
    expect(await kit.timers(day.outcome.conversationId)).toEqual([expect.objectContaining({ kind: 'frt', startedAt: w.clock.now(), dueAt: new Date('2026-01-06T09:10:00Z') })]);

    w.clock.set(new Date('2026-01-06T08:10:00Z'));
    expect((await sweepSla(w.pool, w.clock)).breached.map((b) => [b.conversationId, b.kind])).toEqual([[id, 'frt']]);
  });

  it('business-hours-only policies count open time only, across nights, weekends and holidays', async () => {
    const hours = await kit.businessHours({ timeZone: 'America/New_York', weekly: weekdays('09:00', '17:00'), holidays: ['2026-01-19'] });
    const { queueId: q, inboxId } = await slaQueue({ frtS: 2 * 3600, rtS: 16 * 3600, businessHoursOnly: true });
    await kit.setQueue(q, { business_hours_id: hours });
    w.clock.set(new Date('2026-01-16T21:00:00Z')); // Friday 16:00 in New York; Monday the 19th is a holiday
    const { outcome } = await kit.send(inboxId, { from: 'ny-1' });
    const timers = await kit.timers(outcome.conversationId);
    expect(timers.map((t) => [t.kind, t.dueAt?.toISOString()])).toEqual([
      ['frt', '2026-01-20T15:00:00.000Z'], // 1 h on Friday, 1 h on Tuesday from 09:00 EST
      ['rt', '2026-01-21T21:00:00.000Z'], // 1 h Friday + 8 h Tuesday + 7 h Wednesday (to 16:00 EST)
    ]);
  });

  it('scenario 42: an FRT breach at due time emits exactly one sla.breached{kind=frt}, even with two routers sweeping, and escalates priority once', async () => {
    const { queueId: q, inboxId } = await slaQueue({ frtS: 60, boost: 5 });
    const { outcome } = await kit.send(inboxId, { from: 'impatient' });
    const id = outcome.conversationId;
    const mine = (s: { breached: { conversationId: string }[] }) => s.breached.filter((b) => b.conversationId === id);
    w.clock.advance(59_999);
    expect(mine(await sweepSla(w.pool, w.clock))).toEqual([]);

    w.clock.advance(1);
    const routers = [createPool({ connectionString: w.db.url, max: 4 }), createPool({ connectionString: w.db.url, max: 4 })];
    try {
      const sweeps = await Promise.all([...routers, ...routers].map((p) => sweepSla(p, w.clock)));
      expect(sweeps.flatMap((s) => s.breached).filter((b) => b.conversationId === id).map((b) => b.kind)).toEqual(['frt']);
      expect(sweeps.flatMap((s) => s.dispatch)).toContain(q);
    } finally {
      await Promise.all(routers.map((p) => p.end()));
    }
    expect(await breachEvents(id)).toEqual(['frt']);
    expect((await w.events('sla.breached', id))[0]!.payload).toMatchObject({ kind: 'frt', queueId: q });
    expect(await w.conversation(id)).toMatchObject({ priority: 5, routingState: 'queued' });
    expect(await kit.timers(id)).toEqual([expect.objectContaining({ kind: 'frt', breachedAt: new Date(w.clock.now()), metAt: null })]);

    // later sweeps and a late reply change nothing about the breach; the reply is recorded as met late
    w.clock.advance(30_000);
    expect(mine(await sweepSla(w.pool, w.clock))).toEqual([]);
    await agentReply(id, 'Sorry for the wait!');
    expect(await breachEvents(id)).toEqual(['frt']);
    expect(await kit.timers(id)).toEqual([expect.objectContaining({ kind: 'frt', metAt: w.clock.now(), breachedAt: expect.any(Date) })]);
    expect(await w.conversation(id)).toMatchObject({ priority: 5 });
  });

  it('scenario 42: the router arms an sla-due job at the due time; the job, a duplicate and a sweep record the breach once', async () => {
    const { inboxId } = await slaQueue({ frtS: 90 });
    await handleInbound({ pool: w.pool, producer, logger: silentLogger(), clock: w.clock }, inboundText(inboxId, { from: '42042', text: 'hello' }));
    const { rows } = await w.pool.query<{ id: string }>(`select id from conversations where inbox_id = $1`, [inboxId]);
    const id = rows[0]!.id;
    const due = new Date(w.clock.now().getTime() + 90_000);
    const timers = new Queue('routing-timers', { connection: redis, prefix });
    try {
      const job = await timers.getJob(jobIdFor('sla', id, due.toISOString()));
      expect(job?.data).toEqual({ kind: 'sla-due', conversationId: id });
      expect(job?.opts.delay).toBe(90_000);
      expect(await timers.getJobState(job!.id!)).toBe('delayed');
    } finally {
      await timers.close();
    }
    // the job fires early (clock skew): nothing is due yet
    expect((await breachDueSla(w.pool, id, w.clock)).breached).toEqual([]);
    w.clock.advance(90_000);
    const [a, b, c] = await Promise.all([breachDueSla(w.pool, id, w.clock), breachDueSla(w.pool, id, w.clock), sweepSla(w.pool, w.clock)]);
    expect([...a.breached, ...b.breached, ...c.breached].filter((x) => x.conversationId === id).map((x) => x.kind)).toEqual(['frt']);
    expect(await breachEvents(id)).toEqual(['frt']);
  });

  it('scenario 43: a customer message after an agent reply starts one NRT timer anchored to it; a second message before the reply starts none', async () => {
    const { inboxId } = await slaQueue({ frtS: 300, nrtS: 120 });
    const first = await kit.send(inboxId, { from: 'chatty', text: 'hello' });
    const id = first.outcome.conversationId;
    w.clock.advance(10_000);
    await agentReply(id, 'Hi, how can I help?');
    const { rows } = await w.pool.query(`select first_agent_reply_at as "first", last_agent_reply_at as "last" from conversations where id = $1`, [id]);
    expect(rows[0]).toEqual({ first: w.clock.now(), last: w.clock.now() });
    expect(await kit.timers(id)).toEqual([expect.objectContaining({ kind: 'frt', metAt: w.clock.now(), breachedAt: null })]);

    w.clock.advance(5_000);
    const m1 = await kit.send(inboxId, { from: 'chatty', text: 'my order is late' });
    w.clock.advance(5_000);
    await kit.send(inboxId, { from: 'chatty', text: 'order 42' });
    const nrt = (await kit.timers(id)).filter((t) => t.kind === 'nrt');
    expect(nrt).toEqual([expect.objectContaining({ anchorMessageId: m1.outcome.messageId, dueAt: new Date(w.clock.now().getTime() - 5_000 + 120_000), metAt: null })]);

    w.clock.advance(60_000);
    await agentReply(id, 'Checking order 42 now.');
    w.clock.advance(1_000);
    const m3 = await kit.send(inboxId, { from: 'chatty', text: 'thanks, any news?' });
    const all = (await kit.timers(id)).filter((t) => t.kind === 'nrt');
    expect(all.map((t) => [t.anchorMessageId, t.metAt !== null])).toEqual([[m1.outcome.messageId, true], [m3.outcome.messageId, false]]);

    // nobody answers the second one in time: one nrt breach
    w.clock.advance(120_000);
    await sweepSla(w.pool, w.clock);
    await sweepSla(w.pool, w.clock);
    expect(await breachEvents(id)).toEqual(['nrt']);
    expect((await w.events('sla.breached', id))[0]!.payload).toMatchObject({ anchorMessageId: m3.outcome.messageId });
  });

  it('pending and snoozed pause the SLA clocks; the customer reply reopens the conversation and the clocks carry on with the time they had left', async () => {
    const { inboxId } = await slaQueue({ frtS: 600, rtS: 3600, pauseWhenPending: true });
    const { outcome } = await kit.send(inboxId, { from: 'pauser' });
    const id = outcome.conversationId;
    const start = w.clock.now().getTime();
    w.clock.advance(100_000);
    expect(await setConversationStatus(w.pool, { conversationId: id, status: 'pending', clock: w.clock })).toMatchObject({ ok: true, previous: 'open' });
    expect((await kit.timers(id)).every((t) => t.pausedAt?.getTime() === start + 100_000)).toBe(true);
    await setConversationStatus(w.pool, { conversationId: id, status: 'snoozed', clock: w.clock });

    w.clock.advance(24 * 3600_000);
    expect((await sweepSla(w.pool, w.clock)).breached.filter((b) => b.conversationId === id)).toEqual([]);
    const reply = await kit.send(inboxId, { from: 'pauser', text: 'back again' });
    expect(reply.outcome.conversationId).toBe(id);
    expect(await w.conversation(id)).toMatchObject({ status: 'open' });
    const resumed = await kit.timers(id);
    expect(resumed.map((t) => [t.kind, t.pausedAt, t.dueAt!.getTime() - w.clock.now().getTime()])).toEqual([['frt', null, 500_000], ['rt', null, 3_500_000]]);
    expect(await w.events('conversation.status_changed', id)).toHaveLength(3);
  });

  it('resolution meets the resolution timer and the response timers not yet due; a breach already due is still recorded', async () => {
    const { inboxId } = await slaQueue({ frtS: 60, rtS: 3600 });
    const onTime = (await kit.send(inboxId, { from: 'quick' })).outcome.conversationId;
    const late = (await kit.send(inboxId, { from: 'slow' })).outcome.conversationId;
    w.clock.advance(30_000);
    await w.resolve(onTime);
    expect((await kit.timers(onTime)).map((t) => [t.kind, t.metAt, t.breachedAt])).toEqual([['frt', w.clock.now(), null], ['rt', w.clock.now(), null]]);

    w.clock.advance(60_000);
    await w.resolve(late); // its FRT was due 30 s ago and nobody swept yet
    await sweepSla(w.pool, w.clock);
    expect(await breachEvents(late)).toEqual(['frt']);
    expect(await breachEvents(onTime)).toEqual([]);
    expect((await kit.timers(late)).find((t) => t.kind === 'rt')).toMatchObject({ metAt: w.clock.now(), breachedAt: null });
  });
});

describe('capacity while pending', () => {
  it('scenario 44: pending releases units when release_on_pending; the customer reply reclaims them guarded, and requeues when the agent is full', async () => {
    const q = await w.queue({ releaseOnPending: true });
    const inbox = await kit.inbox('telegram', q);
    const agent = await w.agent({ queues: [q], capacity: { telegram: 1 } });
    const a = (await kit.send(inbox, { from: 'p-a' })).outcome.conversationId;
    await w.drain(q);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });

    const pending = await setConversationStatus(w.pool, { conversationId: a, status: 'pending', clock: w.clock });
    expect(pending).toMatchObject({ ok: true, released: true, dispatch: [q] });
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent, status: 'pending' });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 0 });

    // the freed slot is used
    const b = (await kit.send(inbox, { from: 'p-b' })).outcome.conversationId;
    await w.drain(q);
    expect(await w.conversation(b)).toMatchObject({ routingState: 'assigned', assigneeId: agent });

    // a's customer writes: the agent is full, so a goes back in line (sticky to them), never over capacity
    const back = await kit.send(inbox, { from: 'p-a', text: 'any update?' });
    expect(back.outcome.conversationId).toBe(a);
    expect(back.routing.dispatch).toEqual([q]);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'queued', assigneeId: null, stickyAgentId: agent, status: 'open' });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1, capacity: 1 });
    expect((await w.events('conversation.requeued', a)).map((e) => e.payload.reason)).toEqual(['reclaim_full']);

    // the agent frees up: a comes back to them
    await w.resolve(b);
    await w.drain(q);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent });

    // with room: snoozed → released; the customer reply takes the units back and it stays with the agent
    await setConversationStatus(w.pool, { conversationId: a, status: 'snoozed', clock: w.clock });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 0 });
    const again = await kit.send(inbox, { from: 'p-a', text: 'hello again' });
    expect(again.routing.dispatch).toEqual([]);
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent, status: 'open' });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });

    // resolving a conversation whose units were released frees nothing twice
    await setConversationStatus(w.pool, { conversationId: a, status: 'pending', clock: w.clock });
    await w.resolve(a);
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 0 });
  });

  it('scenario 44: without release_on_pending the units stay held while pending', async () => {
    const q = await w.queue();
    const inbox = await kit.inbox('telegram', q);
    const agent = await w.agent({ queues: [q], capacity: { telegram: 1 } });
    const a = (await kit.send(inbox, { from: 'k-a' })).outcome.conversationId;
    await w.drain(q);
    expect(await setConversationStatus(w.pool, { conversationId: a, status: 'pending', clock: w.clock })).toMatchObject({ ok: true, released: false, dispatch: [] });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });
    await kit.send(inbox, { from: 'k-a', text: 'hi' });
    expect(await w.conversation(a)).toMatchObject({ routingState: 'assigned', assigneeId: agent, status: 'open' });
    expect(await w.load(agent, 'telegram')).toMatchObject({ active: 1 });
    expect(await setConversationStatus(w.pool, { conversationId: a, status: 'open', clock: w.clock })).toMatchObject({ ok: true, previous: 'open' });
  });
});
