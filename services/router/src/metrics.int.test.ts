import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import Fastify from 'fastify';
import type { Registry } from 'prom-client';
import { createPool } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis, registerQueueGauges } from '@switchboard/queue';
import { acceptOffer, manualClock, queueStats, setAgentPresence } from '@switchboard/routing';
import { createMetrics, registerHttpMetrics, registerMetricsRoute } from '@switchboard/runtime';
import { createTestDatabase, dropQueuePrefix, inboundText, metricCount, seedDesk, testQueuePrefix, testRedisUrl, waitFor, type TestDatabase } from '@switchboard/testkit';
import { createRouterMetrics } from './metrics.ts';
import { handleInbound, ROUTER_QUEUES, startRouter, type Router } from './router.ts';

let db: TestDatabase;
let router: Router;
const prefix = testQueuePrefix();
const workerRedis = createRedis(testRedisUrl(), 'worker');
const producerRedis = createRedis(testRedisUrl(), 'producer');
const producer = createProducer(producerRedis, prefix);
const clock = manualClock();
const logger = silentLogger();
const registry = createMetrics('router-test');
const http = Fastify();
const deps = () => ({ pool: db.pool, producer, logger, clock, metrics });
let metrics: ReturnType<typeof createRouterMetrics>;
const queueGauges = registerQueueGauges(registry, { connection: producerRedis, prefix, queues: ROUTER_QUEUES, logger });

beforeAll(async () => {
  db = await createTestDatabase();
  metrics = createRouterMetrics({ registry, pool: db.pool, clock, logger });
  registerHttpMetrics(http, registry);
  registerMetricsRoute(http, registry);
  // periodic sweeps and reconciliations far away: the test runs them itself
  router = startRouter({ ...deps(), connection: workerRedis, prefix, sweepIntervalMs: 3_600_000, reconcileIntervalMs: 3_600_000 });
});
afterAll(async () => {
  await router.close();
  await http.close();
  await queueGauges.close();
  await producer.close();
  workerRedis.disconnect();
  producerRedis.disconnect();
  await dropQueuePrefix(prefix);
  await db.drop();
});

/** GET /metrics through the real route, as Prometheus scrapes it. */
async function scrape(app = http): Promise<string> {
  const res = await app.inject({ method: 'GET', url: '/metrics' });
  expect(res.statusCode).toBe(200);
  return res.body;
}

/** The value of one series (labels in any order; `service` is implied), undefined when absent. */
function sample(text: string, name: string, labels: Record<string, string> = {}): number | undefined {
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (!m || m[1] !== name) continue;
    const found = Object.fromEntries([...(m[2] ?? '').matchAll(/([a-zA-Z_]\w*)="((?:[^"\\]|\\.)*)"/g)].map((x) => [x[1], x[2]]));
    if (Object.entries(labels).every(([k, v]) => found[k] === v) && Object.keys(found).length === Object.keys(labels).length + 1) return Number(m[3]);
  }
  return undefined;
}

async function inbound(inboxId: string, from: string) {
  await handleInbound(deps(), inboundText(inboxId, { from, text: 'hello' }));
}

describe('router metrics', () => {
  it('scenario 36: agent_load corrupted by hand is healed by the reconciliation and load_drift_total increments', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, capacity: 6 });
    const agentId = desk.agents[0]!.id;
    await inbound(desk.inbox.id, '1001');
    await inbound(desk.inbox.id, '1002');
    expect(sample(await scrape(), 'switchboard_load_drift_total')).toBe(0);

    await db.pool.query(`update agent_load set active = 5 where agent_id = $1 and channel = 'telegram'`, [agentId]);
    await router.reconcile();

    const text = await scrape();
    expect(sample(text, 'switchboard_load_drift_total')).toBe(1);
    const { rows } = await db.pool.query(`select active, pending_offers as "pendingOffers" from agent_load where agent_id = $1 and channel = 'telegram'`, [agentId]);
    expect(rows).toEqual([{ active: 2, pendingOffers: 0 }]);
    // nothing left to heal: a second run does not count again
    await router.reconcile();
    expect(sample(await scrape(), 'switchboard_load_drift_total')).toBe(1);
  });

  it('scenario 46 and 27: queue gauges show waiting conversations, their real wait, tasks, agents and chats held by an offline agent, as queueStats does', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, capacity: 1 });
    const queue = desk.queue.id;
    const passesBefore = sample(await scrape(), 'switchboard_dispatch_passes_total', { queue }) ?? 0;
    await inbound(desk.inbox.id, '2001'); // assigned: the agent is now full
    await inbound(desk.inbox.id, '2002');
    clock.advance(30_000);
    await inbound(desk.inbox.id, '2003');
    await db.pool.query(`update conversations set priority = 5 where inbox_id = $1 and thread_key like '%2003%'`, [desk.inbox.id]);
    clock.advance(90_000);

    const text = await scrape();
    expect(sample(text, 'switchboard_queue_waiting', { queue, priority: '0' })).toBe(1);
    expect(sample(text, 'switchboard_queue_waiting', { queue, priority: '5' })).toBe(1);
    expect(sample(text, 'switchboard_queue_longest_wait_seconds', { queue })).toBe(120);
    expect(sample(text, 'switchboard_queue_tasks', { queue, state: 'queued' })).toBe(2);
    expect(sample(text, 'switchboard_queue_tasks', { queue, state: 'assigned' })).toBe(1);
    expect(sample(text, 'switchboard_queue_tasks', { queue, state: 'offered' })).toBe(0);
    expect(sample(text, 'switchboard_agents', { queue, state: 'online' })).toBe(1);
    // full for telegram, but its webchat pool has room: available, as queueStats counts it
    expect(sample(text, 'switchboard_agents', { queue, state: 'available' })).toBe(1);
    expect(sample(text, 'switchboard_queue_info', { queue, name: desk.queue.name })).toBe(1);
    expect(sample(text, 'switchboard_dispatch_passes_total', { queue })).toBeGreaterThanOrEqual(passesBefore + 3);
    expect(text).toMatch(/^switchboard_dispatch_pass_duration_seconds_count\{service="router-test"\} [1-9]/m);

    // the REST stats and the gauges are the same picture
    const stats = await queueStats(db.pool, queue, clock);
    expect(stats.waiting.total).toBe(2);
    expect(stats.longestWait?.seconds).toBe(120);
    expect(stats.tasksByState).toEqual({ queued: 2, offered: 0, assigned: 1 });
    expect(stats.agents).toMatchObject({ online: 1, availableWithCapacity: 1 });

    // the agent goes offline under offline_policy=keep: the chat stays and is counted as held
    await setAgentPresence(db.pool, { agentId: desk.agents[0]!.id, status: 'offline', clock });
    const after = await scrape();
    expect(sample(after, 'switchboard_held_by_offline_agent', { queue })).toBe(1);
    expect(sample(after, 'switchboard_agents', { queue, state: 'online' })).toBe(0);
  });

  it('reports a drained priority as 0 rather than dropping the series', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, capacity: 1, online: false });
    const queue = desk.queue.id;
    await inbound(desk.inbox.id, '3001');
    expect(sample(await scrape(), 'switchboard_queue_waiting', { queue, priority: '0' })).toBe(1);
    await setAgentPresence(db.pool, { agentId: desk.agents[0]!.id, status: 'online', clock });
    await router.sweep();
    const text = await scrape();
    expect(sample(text, 'switchboard_queue_waiting', { queue, priority: '0' })).toBe(0);
    expect(sample(text, 'switchboard_queue_longest_wait_seconds', { queue })).toBe(0);
    expect(sample(text, 'switchboard_queue_tasks', { queue, state: 'assigned' })).toBe(1);
  });

  it('counts offers by outcome from the events, including accepts decided outside the router', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, capacity: 2 });
    await db.pool.query(`update queues set auto_accept = false where id = $1`, [desk.queue.id]);
    const before = await scrape();
    const count = (text: string, outcome: string) => sample(text, 'switchboard_offers_total', { outcome }) ?? 0;
    await inbound(desk.inbox.id, '4001');
    const { rows } = await db.pool.query<{ id: string }>(`select o.id from offers o join conversations c on c.id = o.conversation_id where c.inbox_id = $1`, [desk.inbox.id]);
    expect(rows).toHaveLength(1);
    // as the API does it: the router never sees this accept
    expect(await acceptOffer(db.pool, { offerId: rows[0]!.id, agentId: desk.agents[0]!.id, clock })).toMatchObject({ ok: true });

    const after = await scrape();
    expect(count(after, 'created') - count(before, 'created')).toBe(1);
    expect(count(after, 'accepted') - count(before, 'accepted')).toBe(1);
    expect(count(after, 'expired') - count(before, 'expired')).toBe(0);
    expect(after).toMatch(/^# TYPE switchboard_offers_total counter$/m);
    for (const kind of ['frt', 'nrt', 'rt']) expect(sample(after, 'switchboard_sla_breaches_total', { kind })).toBeGreaterThanOrEqual(0);
    expect(sample(after, 'switchboard_overflow_total')).toBeGreaterThanOrEqual(0);
  });

  it('serves the last good values and counts the failure when the database read fails', async () => {
    const pool = createPool({ connectionString: db.url, max: 1 });
    const own: Registry = createMetrics('router-failing');
    createRouterMetrics({ registry: own, pool, clock, logger, snapshotTimeoutMs: 3_000 });
    const app = Fastify();
    registerMetricsRoute(app, own);
    const desk = await seedDesk(db.pool, { agents: 1, online: false });
    await inbound(desk.inbox.id, '5001');
    expect(sample(await scrape(app), 'switchboard_queue_waiting', { queue: desk.queue.id, priority: '0' })).toBe(1);

    await pool.end();
    const text = await scrape(app);
    expect(sample(text, 'switchboard_queue_waiting', { queue: desk.queue.id, priority: '0' })).toBe(1);
    expect(sample(text, 'switchboard_metrics_snapshot_failures_total')).toBe(1);
    await app.close();
  });

  it('gives up on a read that waits too long for a connection, and hands the connection back later', async () => {
    const pool = createPool({ connectionString: db.url, max: 1 });
    const own = createMetrics('router-slow');
    // long enough for a healthy read on a loaded CI machine; the held connection never comes back in time
    createRouterMetrics({ registry: own, pool, clock, logger, snapshotTimeoutMs: 1_500 });
    const app = Fastify();
    registerMetricsRoute(app, own);
    const desk = await seedDesk(db.pool, { agents: 1, online: false });
    await inbound(desk.inbox.id, '6001');
    expect(sample(await scrape(app), 'switchboard_queue_waiting', { queue: desk.queue.id, priority: '0' })).toBe(1);

    const held = await pool.connect(); // the router's work holds the only connection
    const text = await scrape(app);
    expect(sample(text, 'switchboard_metrics_snapshot_failures_total')).toBe(1);
    expect(sample(text, 'switchboard_queue_waiting', { queue: desk.queue.id, priority: '0' })).toBe(1);
    held.release();
    // the abandoned read got the connection, gave it straight back, and reads work again
    await inbound(desk.inbox.id, '6002');
    expect(sample(await scrape(app), 'switchboard_queue_waiting', { queue: desk.queue.id, priority: '0' })).toBe(2);
    expect(pool.totalCount - pool.idleCount).toBe(0);
    await app.close();
    await pool.end();
  });
});

describe('router job and latency metrics', () => {
  it('times an inbound message from the platform to stored to first assigned, and the inbound job that carried it', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, online: false });
    const before = await scrape();
    const latency = (text: string, stage: string, part: 'sum' | 'count') => metricCount(text, `switchboard_inbound_latency_seconds_${part}`, { channel: 'telegram', stage });

    // sent 4 s before the router stores it; through the real queue and worker
    const event = { ...inboundText(desk.inbox.id, { from: '7001', text: 'hello' }), sentAt: new Date(clock.now().getTime() - 4_000).toISOString() };
    await producer.add('inbound', event, { jobId: 'metrics-7001' });
    const conversationId = await waitFor(async () => (await db.pool.query<{ id: string }>(`select id from conversations where inbox_id = $1`, [desk.inbox.id])).rows[0]?.id, { what: 'stored' });
    await waitFor(async () => metricCount(await scrape(), 'switchboard_job_duration_seconds_count', { queue: 'inbound', outcome: 'completed' }) > metricCount(before, 'switchboard_job_duration_seconds_count', { queue: 'inbound', outcome: 'completed' }), { what: 'inbound job recorded' });

    // nobody online: it waits 25 s, then the agent comes online and the sweep assigns it
    clock.advance(25_000);
    await setAgentPresence(db.pool, { agentId: desk.agents[0]!.id, status: 'online', clock });
    await router.sweep();
    const { rows } = await db.pool.query(`select routing_state as state from conversations where id = $1`, [conversationId]);
    expect(rows).toEqual([{ state: 'assigned' }]);

    const after = await scrape();
    expect(latency(after, 'platform_to_stored', 'count') - latency(before, 'platform_to_stored', 'count')).toBe(1);
    expect(latency(after, 'platform_to_stored', 'sum') - latency(before, 'platform_to_stored', 'sum')).toBeCloseTo(4, 6);
    expect(latency(after, 'stored_to_assigned', 'count') - latency(before, 'stored_to_assigned', 'count')).toBe(1);
    expect(latency(after, 'stored_to_assigned', 'sum') - latency(before, 'stored_to_assigned', 'sum')).toBeCloseTo(25, 6);
    expect(metricCount(after, 'switchboard_inbound_latency_seconds_bucket', { channel: 'telegram', stage: 'stored_to_assigned', le: '30' })
      - metricCount(before, 'switchboard_inbound_latency_seconds_bucket', { channel: 'telegram', stage: 'stored_to_assigned', le: '30' })).toBe(1);

    // the job's first run waited and was timed; the queue gauges saw it completed
    expect(metricCount(after, 'switchboard_job_wait_seconds_count', { queue: 'inbound' })).toBeGreaterThan(metricCount(before, 'switchboard_job_wait_seconds_count', { queue: 'inbound' }));
    expect(metricCount(after, 'switchboard_queue_jobs', { queue: 'inbound', state: 'completed' })).toBeGreaterThanOrEqual(1);
    expect(metricCount(after, 'switchboard_queue_jobs', { queue: 'inbound', state: 'failed' })).toBe(0);
    for (const queue of ROUTER_QUEUES) expect(after).toMatch(new RegExp(`^switchboard_queue_jobs\\{[^}]*queue="${queue}",state="waiting"`, 'm'));
  });

  it('leaves a second assignment of the same conversation out of stored_to_assigned', async () => {
    const desk = await seedDesk(db.pool, { agents: 2, capacity: 1 });
    await inbound(desk.inbox.id, '8001');
    const before = await scrape();
    const { rows } = await db.pool.query<{ id: string; assignee: string }>(`select id, assignee_id as assignee from conversations where inbox_id = $1`, [desk.inbox.id]);
    // its agent goes offline under a requeue policy: the conversation is assigned again to the other one
    await db.pool.query(`update queues set offline_policy = 'requeue_after_grace', offline_grace_s = 0 where id = $1`, [desk.queue.id]);
    await setAgentPresence(db.pool, { agentId: rows[0]!.assignee, status: 'offline', clock });
    await router.sweep();
    const { rows: again } = await db.pool.query<{ assignee: string }>(`select assignee_id as assignee from conversations where id = $1`, [rows[0]!.id]);
    expect(again[0]!.assignee).not.toBe(rows[0]!.assignee);
    expect(again[0]!.assignee).not.toBeNull();
    const after = await scrape();
    const count = (text: string) => metricCount(text, 'switchboard_inbound_latency_seconds_count', { channel: 'telegram', stage: 'stored_to_assigned' });
    expect(count(after)).toBe(count(before));
  });
});
