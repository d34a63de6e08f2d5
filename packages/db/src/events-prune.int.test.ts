import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { appendEvent, pruneEvents } from './events.ts';

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
});
