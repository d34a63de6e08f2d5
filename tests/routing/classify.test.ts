import { afterAll, afterEach, beforeAll, describe, expect, it } from '@jest/globals';
import type { Redis } from 'ioredis';
import { createTelegramSender } from '@switchboard/channels';
import { createInbox, createInboxCache } from '@switchboard/db';
import { startEgress, type Egress } from '@switchboard/egress';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, waitForRedis, type Producer } from '@switchboard/queue';
import { handleInbound, startRouter, type Router } from '@switchboard/router';
import { listDecisions, sweepTimers, type AutoReply } from '@switchboard/routing';
import { dropQueuePrefix, inboundText, startFakeTelegram, testQueuePrefix, testRedisUrl, waitFor, type FakeTelegram } from '@switchboard/testkit';
import { inboundKit, type InboundKit } from './inbound-kit.ts';
import { createWorld, type World } from './world.ts';

let w: World;
let kit: InboundKit;
beforeAll(async () => {
  w = await createWorld();
  kit = inboundKit(w);
});
afterEach(async () => {
  // rules are global: each test starts with none
  await w.pool.query(`delete from routing_rules`);
});
afterAll(async () => {
  await w.close();
});

async function routingOf(conversationId: string) {
  const { rows } = await w.pool.query(
    `select queue_id as "queueId", routing_state as "routingState", status, priority, required_skills as "requiredSkills", age_adjust_s as "ageAdjustS",
            enqueued_at as "enqueuedAt", overflow_depth as "overflowDepth", first_inbound_at as "firstInboundAt" from conversations where id = $1`,
    [conversationId],
  );
  return rows[0];
}

async function vipContact(inboxId: string, from: string): Promise<void> {
  const { rows } = await w.pool.query<{ id: string }>(`insert into contacts(name, attributes) values ('VIP', '{"vip": true, "tier": "gold"}') returning id`);
  await w.pool.query(`insert into contact_identities(contact_id, inbox_id, channel, external_id) values ($1, $2, 'telegram', $3)`, [rows[0]!.id, inboxId, from]);
}

describe('classification', () => {
  it('routing rules: the first matching rule by position decides queue, priority, skills and VIP age; no match → the inbox default queue', async () => {
    const [fallback, vip, spanish, refunds, web] = [await w.queue(), await w.queue(), await w.queue(), await w.queue(), await w.queue()];
    const inbox = await kit.inbox('telegram', fallback);
    await kit.rule({ position: 40, match: { channel: 'webchat' }, queueId: web });
    await kit.rule({ position: 30, match: { keywords: ['refund', 'money back'] }, queueId: refunds, priority: 5 });
    await kit.rule({ position: 20, match: { language: 'es', inboxId: inbox }, queueId: spanish, requiredSkills: [{ skill: 'es', min: 3 }] });
    await kit.rule({ position: 10, match: { contactAttributes: { vip: true } }, queueId: vip, priority: 10, ageAdjustS: 600 });
    await kit.rule({ position: 1, match: {}, queueId: web, enabled: false });

    await vipContact(inbox, 'vip-1');
    const asVip = await kit.send(inbox, { from: 'vip-1', text: 'I want a refund', locale: 'es-MX' });
    expect(await routingOf(asVip.outcome.conversationId)).toMatchObject({ queueId: vip, routingState: 'queued', priority: 10, ageAdjustS: 600, enqueuedAt: w.clock.now() });
    expect(asVip.routing.dispatch).toEqual([vip]);

    const spanishSpeaker = await kit.send(inbox, { from: 'es-1', text: 'quiero un REFUND', locale: 'es_MX' });
    expect(await routingOf(spanishSpeaker.outcome.conversationId)).toMatchObject({ queueId: spanish, priority: 0, requiredSkills: [{ skill: 'es', min: 3 }] });

    const refund = await kit.send(inbox, { from: 'en-1', text: 'Can I get my MONEY  back?', locale: 'en-GB' });
    expect(await routingOf(refund.outcome.conversationId)).toMatchObject({ queueId: refunds, priority: 5 });

    const refunded = await kit.send(inbox, { from: 'en-2', text: 'I was refunded, thanks', locale: 'en' });
    expect(await routingOf(refunded.outcome.conversationId)).toMatchObject({ queueId: fallback, priority: 0, requiredSkills: [], ageAdjustS: 0 });

    const webInbox = await kit.inbox('webchat', fallback);
    const fromWeb = await kit.send(webInbox, { from: 'visitor-1', channel: 'webchat', text: 'hi' });
    expect(await routingOf(fromWeb.outcome.conversationId)).toMatchObject({ queueId: web });

    const decisions = await listDecisions(w.pool, asVip.outcome.conversationId);
    expect(decisions.find((d) => d.kind === 'classified')?.payload).toMatchObject({ queueId: vip, priority: 10, ageAdjustS: 600 });
  });

  it('no rule and no default queue: the conversation stays unrouted, and is classified when a message arrives after a rule exists', async () => {
    const inbox = await kit.inbox('telegram', null);
    const first = await kit.send(inbox, { from: 'lost-1', text: 'hello?' });
    expect(await routingOf(first.outcome.conversationId)).toMatchObject({ queueId: null, routingState: 'unrouted', status: 'open' });
    expect(first.routing.dispatch).toEqual([]);

    const q = await w.queue();
    await kit.rule({ position: 1, match: { inboxId: inbox }, queueId: q });
    const second = await kit.send(inbox, { from: 'lost-1', text: 'anyone?' });
    expect(second.outcome.conversationId).toBe(first.outcome.conversationId);
    expect(await routingOf(first.outcome.conversationId)).toMatchObject({ queueId: q, routingState: 'queued' });
    expect(second.routing.dispatch).toEqual([q]);
  });

  it('scenario 23: a queue at max_queue_size refuses new conversations with an auto-reply, or routes them to its overflow queue; queue.full is emitted', async () => {
    const full = await w.queue({ maxQueueSize: 2 });
    await kit.setQueue(full, { queue_full_message: 'All our agents are busy; please write again later.' });
    const inbox = await kit.inbox('telegram', full);
    const queued = [await kit.send(inbox, { from: 'f1' }), await kit.send(inbox, { from: 'f2' })];
    for (const q of queued) expect(await routingOf(q.outcome.conversationId)).toMatchObject({ queueId: full, routingState: 'queued' });

    const refused = await kit.send(inbox, { from: 'f3' });
    const refusedId = refused.outcome.conversationId;
    expect(await routingOf(refusedId)).toMatchObject({ queueId: null, routingState: 'unrouted', status: 'open' });
    const replies = await kit.outbound(refusedId);
    expect(replies).toEqual([{ id: expect.any(String), text: 'All our agents are busy; please write again later.', status: 'queued', authorAgentId: null }]);
    expect(refused.routing).toEqual({ dispatch: [], outbound: [{ messageId: replies[0]!.id, channel: 'telegram', kind: 'queue_full' }] });
    expect((await w.events('queue.full', refusedId)).map((e) => e.payload)).toEqual([{ queueId: full, action: 'refused', fullQueueIds: [full] }]);

    // room again: the refused customer's next message gets them in line
    await w.resolve(queued[0]!.outcome.conversationId);
    const retry = await kit.send(inbox, { from: 'f3', text: 'still there?' });
    expect(retry.outcome.conversationId).toBe(refusedId);
    expect(await routingOf(refusedId)).toMatchObject({ queueId: full, routingState: 'queued' });
    expect(retry.routing.outbound).toEqual([]);

    // with an overflow queue, the next one goes there instead (keeping its place: enqueued now)
    const overflow = await w.queue();
    await kit.setQueue(full, { overflow_queue_id: overflow });
    const spilled = await kit.send(inbox, { from: 'f4' });
    expect(await routingOf(spilled.outcome.conversationId)).toMatchObject({ queueId: overflow, routingState: 'queued', overflowDepth: 1 });
    expect(spilled.routing).toEqual({ dispatch: [overflow], outbound: [] });
    expect((await w.events('queue.full', spilled.outcome.conversationId)).map((e) => e.payload)).toEqual([{ queueId: full, action: 'overflow', overflowedTo: overflow }]);
    expect(await w.events('conversation.overflowed', spilled.outcome.conversationId)).toHaveLength(1);
    expect(await kit.outbound(spilled.outcome.conversationId)).toEqual([]);
  });

  it('scenario 23: concurrent first messages never push a queue past max_queue_size', async () => {
    const q = await w.queue({ maxQueueSize: 3 });
    const inbox = await kit.inbox('telegram', q);
    const results = await Promise.all(Array.from({ length: 8 }, (_, i) => kit.send(inbox, { from: `burst-${i}` })));
    const states = await Promise.all(results.map((r) => routingOf(r.outcome.conversationId)));
    expect(states.filter((s) => s.routingState === 'queued')).toHaveLength(3);
    expect(states.filter((s) => s.routingState === 'unrouted')).toHaveLength(5);
    const { rows } = await w.pool.query(`select count(*)::int as n from events where type = 'queue.full' and payload->>'queueId' = $1`, [q]);
    expect(rows[0].n).toBe(5);
  });

  it('scenario 24: a conversation closed as abandoned after max_wait_s sends the queue abandoned_message to the customer', async () => {
    const q = await w.queue({ maxWaitS: 120 });
    await kit.setQueue(q, { abandoned_message: 'Sorry we could not answer in time. Write again any time.' });
    const inbox = await kit.inbox('telegram', q);
    const { outcome } = await kit.send(inbox, { from: 'a1' });
    w.clock.advance(119_000);
    const early = { outbound: [] as AutoReply[] };
    await sweepTimers(w.pool, w.clock, early);
    expect(early.outbound).toEqual([]);

    w.clock.advance(1_000);
    const report = { outbound: [] as AutoReply[] };
    await sweepTimers(w.pool, w.clock, report);
    expect(await w.conversation(outcome.conversationId)).toMatchObject({ routingState: 'closed', status: 'resolved', closeReason: 'abandoned' });
    const replies = await kit.outbound(outcome.conversationId);
    expect(replies).toEqual([expect.objectContaining({ text: 'Sorry we could not answer in time. Write again any time.', status: 'queued', authorAgentId: null })]);
    expect(report.outbound).toEqual([{ messageId: replies[0]!.id, channel: 'telegram', kind: 'abandoned' }]);
    expect(await w.events('conversation.abandoned', outcome.conversationId)).toHaveLength(1);

    // a second sweep finds nothing more to say
    const again = { outbound: [] as AutoReply[] };
    await sweepTimers(w.pool, w.clock, again);
    expect(again.outbound).toEqual([]);
    expect(await kit.outbound(outcome.conversationId)).toHaveLength(1);
  });
});

describe('auto-replies reach the customer through egress', () => {
  const BOT_TOKEN = '123456:AUTO-reply_token';
  const prefix = testQueuePrefix();
  let fake: FakeTelegram;
  let connections: Redis[];
  let producer: Producer;
  let router: Router;
  let egress: Egress;

  beforeAll(async () => {
    fake = await startFakeTelegram();
    connections = [createRedis(testRedisUrl(), 'producer'), createRedis(testRedisUrl(), 'worker'), createRedis(testRedisUrl(), 'worker')];
    await Promise.all(connections.map((r) => waitForRedis(r)));
    producer = createProducer(connections[0]!, prefix);
    const logger = silentLogger();
    // the periodic sweeps are driven by hand below, at the manual clock
    router = startRouter({ pool: w.pool, connection: connections[1]!, producer, prefix, logger, clock: w.clock, sweepIntervalMs: 3_600_000 });
    egress = startEgress({
      pool: w.pool, connection: connections[2]!, producer, prefix, logger, sweepIntervalMs: 3_600_000,
      inboxes: createInboxCache(w.pool, w.box, 1_000),
      senders: { telegram: createTelegramSender({ apiRoot: fake.apiRoot }) },
    });
  });
  afterAll(async () => {
    await router.close();
    await egress.close();
    await producer.close();
    await fake.close();
    for (const r of connections) r.disconnect();
    await dropQueuePrefix(prefix);
  });

  const telegramInbox = async (queueId: string) =>
    (await createInbox(w.pool, w.box, { channel: 'telegram', name: 'bot', config: { mode: 'webhook' }, secrets: { botToken: BOT_TOKEN, webhookSecret: 'SecretToken' }, defaultQueueId: queueId })).id;

  const sentTo = (chatId: string, text: string) => fake.waitForCall('sendMessage', (c) => String(c.params.chat_id) === chatId && c.params.text === text);

  async function statusOf(messageText: string): Promise<string> {
    return waitFor(async () => {
      const { rows } = await w.pool.query(`select status from messages where text = $1 and direction = 'out'`, [messageText]);
      return rows[0]?.status === 'sent' && rows[0].status;
    }, { what: `"${messageText}" to be marked sent` });
  }

  it('scenario 41 (delivery): the after-hours reply is sent to the Telegram chat by egress', async () => {
    const closed = await kit.businessHours({ timeZone: 'Europe/Berlin', weekly: {} });
    const q = await w.queue();
    await kit.setQueue(q, { business_hours_id: closed, after_hours_message: 'We are closed now; we will answer when we open.' });
    await handleInbound({ pool: w.pool, producer, logger: silentLogger(), clock: w.clock }, inboundText(await telegramInbox(q), { from: '41001', text: 'hello?' }));
    expect((await sentTo('41001', 'We are closed now; we will answer when we open.')).token).toBe(BOT_TOKEN);
    expect(await statusOf('We are closed now; we will answer when we open.')).toBe('sent');
  });

  it('scenario 23 (delivery): the queue-full reply is sent to the Telegram chat by egress', async () => {
    const q = await w.queue({ maxQueueSize: 1 });
    await kit.setQueue(q, { queue_full_message: 'The queue is full, sorry.' });
    const inbox = await telegramInbox(q);
    const deps = { pool: w.pool, producer, logger: silentLogger(), clock: w.clock };
    await handleInbound(deps, inboundText(inbox, { from: '23001', text: 'first' }));
    await handleInbound(deps, inboundText(inbox, { from: '23002', text: 'second' }));
    await sentTo('23002', 'The queue is full, sorry.');
    expect(await statusOf('The queue is full, sorry.')).toBe('sent');
    expect(fake.calls.filter((c) => String(c.params.chat_id) === '23001')).toEqual([]);
  });

  it('scenario 24 (delivery): the router sweep closes an abandoned conversation and egress sends the abandoned message', async () => {
    const q = await w.queue({ maxWaitS: 60 });
    await kit.setQueue(q, { abandoned_message: 'Nobody could take your chat in time, sorry.' });
    await handleInbound({ pool: w.pool, producer, logger: silentLogger(), clock: w.clock }, inboundText(await telegramInbox(q), { from: '24001', text: 'help' }));
    w.clock.advance(60_000);
    await router.sweep();
    await sentTo('24001', 'Nobody could take your chat in time, sorry.');
    expect(await statusOf('Nobody could take your chat in time, sorry.')).toBe('sent');
  });
});
