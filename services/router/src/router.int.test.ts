import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createPool, withTransaction } from '@switchboard/db';
import { resolveConversation } from '@switchboard/routing';
import { silentLogger } from '@switchboard/log';
import { createProducer, createRedis } from '@switchboard/queue';
import { createTestDatabase, dropQueuePrefix, inboundText, seedDesk, testQueuePrefix, testRedisUrl, type TestDatabase } from '@switchboard/testkit';
import { handleInbound, runDispatch } from './router.ts';

let db: TestDatabase;
const prefix = testQueuePrefix();
const redis = createRedis(testRedisUrl(), 'producer');
const producer = createProducer(redis, prefix);
const deps = () => ({ pool: db.pool, producer, logger: silentLogger() });

beforeAll(async () => {
  db = await createTestDatabase();
});
afterAll(async () => {
  await producer.close();
  redis.disconnect();
  await dropQueuePrefix(prefix);
  await db.drop();
});

async function assigneeOf(conversationId: string): Promise<string | null> {
  const { rows } = await db.pool.query(`select assignee_id from conversations where id = $1`, [conversationId]);
  return rows[0].assignee_id;
}

describe('router', () => {
  it('stores a redelivered message once', async () => {
    const desk = await seedDesk(db.pool, { agents: 1 });
    const event = inboundText(desk.inbox.id, { from: '7001', text: 'hello', messageId: '1' });
    await handleInbound(deps(), event);
    await handleInbound(deps(), event);
    const { rows } = await db.pool.query(`select count(*)::int as n from messages where inbox_id = $1`, [desk.inbox.id]);
    expect(rows[0].n).toBe(1);
  });

  it('makes one conversation from a burst of first messages', async () => {
    const desk = await seedDesk(db.pool, { agents: 1 });
    await Promise.all(
      Array.from({ length: 10 }, (_, i) => handleInbound(deps(), inboundText(desk.inbox.id, { from: '7002', text: `m${i}`, messageId: String(i) }))),
    );
    const { rows } = await db.pool.query(
      `select count(distinct conversation_id)::int as conversations, count(*)::int as messages, array_agg(seq order by seq) as seqs
         from messages where inbox_id = $1`,
      [desk.inbox.id],
    );
    expect(rows[0]).toEqual({ conversations: 1, messages: 10, seqs: ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] });
  });

  it('assigns two of three conversations to two agents of capacity 1, and the third when one is resolved', async () => {
    const desk = await seedDesk(db.pool, { agents: 2, capacity: 1 });
    for (const from of ['8001', '8002', '8003']) await handleInbound(deps(), inboundText(desk.inbox.id, { from, text: 'help' }));
    const { rows } = await db.pool.query(
      `select id, thread_key, assignee_id, routing_state from conversations where inbox_id = $1 order by created_at`,
      [desk.inbox.id],
    );
    expect(rows.map((r) => r.routing_state)).toEqual(['assigned', 'assigned', 'queued']);
    expect(new Set(rows.slice(0, 2).map((r) => r.assignee_id))).toEqual(new Set(desk.agents.map((a) => a.id)));

    const freed = await withTransaction(db.pool, (tx) => resolveConversation(tx, rows[0].id, { agentId: rows[0].assignee_id }, new Date()));
    expect(freed?.freedQueueIds).toEqual([desk.queue.id]);
    await runDispatch(deps(), desk.queue.id);
    expect(await assigneeOf(rows[2].id)).toBe(rows[0].assignee_id);
  });

  it('reopens a resolved conversation when the customer writes again', async () => {
    const desk = await seedDesk(db.pool, { agents: 1, capacity: 1 });
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '9001', text: 'first' }));
    const { rows: [c] } = await db.pool.query(`select id, assignee_id from conversations where inbox_id = $1`, [desk.inbox.id]);
    await withTransaction(db.pool, (tx) => resolveConversation(tx, c.id, { agentId: c.assignee_id }, new Date()));
    await handleInbound(deps(), inboundText(desk.inbox.id, { from: '9001', text: 'again' }));
    const { rows } = await db.pool.query(`select id, status, routing_state from conversations where inbox_id = $1`, [desk.inbox.id]);
    expect(rows).toEqual([{ id: c.id, status: 'open', routing_state: 'assigned' }]);
    const { rows: load } = await db.pool.query(`select active from agent_load where agent_id = $1 and channel = 'telegram'`, [desk.agents[0]!.id]);
    expect(load[0].active).toBe(1);
  });

  it('never assigns beyond capacity when several routers dispatch at once', async () => {
    const desk = await seedDesk(db.pool, { agents: 3, capacity: 2 });
    // three routers: each with its own connection pool, as separate replicas would have
    const pools = [0, 1, 2].map(() => createPool({ connectionString: db.url, max: 4 }));
    await Promise.all(
      Array.from({ length: 12 }, (_, i) => handleInbound({ ...deps(), pool: pools[i % 3]! }, inboundText(desk.inbox.id, { from: `95${i}`, text: 'hi' }))),
    );
    await Promise.all(pools.map((pool) => runDispatch({ ...deps(), pool }, desk.queue.id)));
    await Promise.all(pools.map((pool) => pool.end()));
    const { rows } = await db.pool.query(
      `select assignee_id, count(*)::int as n from conversations where inbox_id = $1 and assignee_id is not null group by assignee_id`,
      [desk.inbox.id],
    );
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.n).toBe(2);
    const { rows: waiting } = await db.pool.query(`select count(*)::int as n from conversations where inbox_id = $1 and routing_state = 'queued'`, [desk.inbox.id]);
    expect(waiting[0].n).toBe(6);
  });
});
