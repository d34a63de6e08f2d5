import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { appendEvent, countedEventTotals, pruneEvents } from './events.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(() => db.drop());

describe('pruneEvents', () => {
  it('deletes events older than the horizon in batches and keeps newer ones', async () => {
    for (let i = 0; i < 7; i++) await appendEvent(db.pool, { type: 'agent.status', payload: { i } });
    await db.pool.query(`update events set created_at = now() - interval '4 days' where (payload->>'i')::int < 5`);
    const pruned = await pruneEvents(db.pool, new Date(Date.now() - 3 * 86_400_000), 2);
    expect(pruned).toBe(5);
    const { rows } = await db.pool.query(`select (payload->>'i')::int as i from events order by id`);
    expect(rows.map((r) => r.i)).toEqual([5, 6]);
  });

  it('keeps the routing counters monotonic: what a prune deletes is folded into the totals, once, even with prunes racing', async () => {
    await db.pool.query(`delete from events`);
    const append = (type: string, payload: Record<string, unknown> = {}) => appendEvent(db.pool, { type: type as never, payload });
    for (let i = 0; i < 3; i++) await append('offer.accepted');
    await append('offer.expired');
    await append('sla.breached', { kind: 'frt' });
    await append('sla.breached', { kind: 'frt' });
    await append('sla.breached', { kind: 'nrt' });
    await append('conversation.requeued', { reason: 'agent_offline' });
    await append('message.created');
    const expected = [
      { type: 'conversation.requeued', label: 'agent_offline', count: 1 },
      { type: 'offer.accepted', label: null, count: 3 },
      { type: 'offer.expired', label: null, count: 1 },
      { type: 'sla.breached', label: 'frt', count: 2 },
      { type: 'sla.breached', label: 'nrt', count: 1 },
    ];
    expect(await countedEventTotals(db.pool)).toEqual(expected);

    // all but the newest two go past the horizon; three prunes race over them in small batches
    await db.pool.query(`update events set created_at = now() - interval '4 days' where id < (select max(id) - 1 from events)`);
    const horizon = new Date(Date.now() - 3 * 86_400_000);
    const pruned = await Promise.all([pruneEvents(db.pool, horizon, 2), pruneEvents(db.pool, horizon, 3), pruneEvents(db.pool, horizon, 1)]);
    expect(pruned.reduce((a, b) => a + b, 0)).toBe(7);
    expect(await countedEventTotals(db.pool)).toEqual(expected);

    // later events add to the folded totals
    await append('offer.accepted');
    await db.pool.query(`update events set created_at = now() - interval '4 days'`);
    expect(await pruneEvents(db.pool, horizon)).toBe(3);
    expect(await countedEventTotals(db.pool)).toEqual(expected.map((e) => (e.type === 'offer.accepted' ? { ...e, count: 4 } : e)));
    expect((await db.pool.query(`select count(*)::int as n from events`)).rows[0].n).toBe(0);
  });
});
