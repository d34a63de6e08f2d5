import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { messageVolumeAsOf } from '@switchboard/db';
import { silentLogger } from '@switchboard/log';
import { manualClock } from '@switchboard/routing';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { rollReports } from './report-rollup.ts';

let db: TestDatabase;
beforeAll(async () => { db = await createTestDatabase(); });
afterAll(() => db.drop());

describe('report rollup tick', () => {
  it('brings the message rollup up to the router clock, from scratch, in one tick', async () => {
    const inbox = (await db.pool.query(`insert into inboxes(channel, name) values ('sms', 'tick') returning id`)).rows[0].id;
    const contact = (await db.pool.query(`insert into contacts(name) values ('c') returning id`)).rows[0].id;
    const conversation = (await db.pool.query(`insert into conversations(inbox_id, contact_id, channel, thread_key) values ($1, $2, 'sms', 't') returning id`, [inbox, contact])).rows[0].id;
    // 40 days apart: more than one pass of DEFAULT_MAX_PASS_DAYS
    for (const [seq, at] of [[1, '2026-01-01T08:00:00Z'], [2, '2026-02-10T08:00:00Z']] as const) {
      await db.pool.query(`insert into messages(conversation_id, inbox_id, seq, direction, text, status, created_at) values ($1, $2, $3, 'in', 'x', 'received', $4)`, [conversation, inbox, seq, at]);
    }
    const clock = manualClock(new Date('2026-02-10T08:05:00Z'));
    await rollReports({ pool: db.pool, logger: silentLogger(), clock });
    const { rows } = await db.pool.query(`select sum(messages)::int as n, max(channel) as channel from report_message_volume`);
    expect(rows[0]).toEqual({ n: 2, channel: 'sms' });
    expect(await messageVolumeAsOf(db.pool)).toEqual(clock.now());
  });
});
