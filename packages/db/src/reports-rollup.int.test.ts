import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import { createTestDatabase, type TestDatabase } from '@switchboard/testkit';
import { messageVolumeAsOf, reaggregateMessageVolume, rollMessageVolume, rollMessageVolumeUpToDate } from './reports-rollup.ts';
import { withTransaction } from './pool.ts';

let db: TestDatabase;
let conversationId: string;
let inboxId: string;
let seq = 0;

beforeAll(async () => {
  db = await createTestDatabase();
  inboxId = (await db.pool.query(`insert into inboxes(channel, name) values ('webchat', 'rollup') returning id`)).rows[0].id;
  const contact = (await db.pool.query(`insert into contacts(name, country, country_source) values ('c', 'DE', 'admin') returning id`)).rows[0].id;
  conversationId = (
    await db.pool.query(`insert into conversations(inbox_id, contact_id, channel, thread_key) values ($1, $2, 'webchat', 'rollup') returning id`, [inboxId, contact])
  ).rows[0].id;
});
afterAll(() => db.drop());

async function message(at: string, direction: 'in' | 'out' = 'in', isPrivate = false): Promise<void> {
  await db.pool.query(
    `insert into messages(conversation_id, inbox_id, seq, direction, is_private, text, status, created_at) values ($1, $2, $3, $4, $5, 'x', 'received', $6)`,
    [conversationId, inboxId, ++seq, direction, isPrivate, at],
  );
}

/** The rollup as (bucket, direction, messages), bucket order. */
async function rollup(): Promise<{ bucket: string; direction: string; messages: number }[]> {
  const { rows } = await db.pool.query(
    `select to_char(bucket at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI') as bucket, direction, sum(messages)::int as messages
       from report_message_volume group by 1, 2 order by 1, 2`,
  );
  return rows;
}

const total = async () => (await rollup()).reduce((n, r) => n + r.messages, 0);

describe('message volume rollup', () => {
  it('rolls from the oldest message into 15-minute buckets, leaves private notes out, and is idempotent', async () => {
    await message('2026-02-01T09:59:59Z');
    await message('2026-02-01T10:00:00Z');
    await message('2026-02-01T10:14:59.999Z', 'out');
    await message('2026-02-01T10:15:00Z');
    await message('2026-02-01T10:16:00Z', 'out', true); // a private note
    const now = new Date('2026-02-01T10:20:00Z');
    const pass = await rollMessageVolume(db.pool, now);
    // the oldest message's bucket is 09:45, but a pass always covers the look-back (1 h) before its end
    expect(pass).toMatchObject({ skipped: false, from: new Date('2026-02-01T09:30:00Z'), to: new Date('2026-02-01T10:30:00Z'), caughtUp: true });
    const expected = [
      { bucket: '2026-02-01T09:45', direction: 'in', messages: 1 },
      { bucket: '2026-02-01T10:00', direction: 'in', messages: 1 },
      { bucket: '2026-02-01T10:00', direction: 'out', messages: 1 },
      { bucket: '2026-02-01T10:15', direction: 'in', messages: 1 },
    ];
    expect(await rollup()).toEqual(expected);
    expect(await messageVolumeAsOf(db.pool)).toEqual(now);
    await rollMessageVolume(db.pool, now);
    await rollMessageVolume(db.pool, new Date('2026-02-01T10:25:00Z'));
    expect(await rollup()).toEqual(expected);
  });

  it('picks up a late-committing row within the look-back window, and only a rebuild one older than it', async () => {
    // rolled up to 10:30; the look-back is 4 buckets (1 h): a pass now starts at 09:30
    await message('2026-02-01T10:29:00Z'); // committed after the last pass, in a bucket it rolled
    await message('2026-02-01T09:10:00Z'); // older than the look-back: a transaction open for over an hour
    await rollMessageVolume(db.pool, new Date('2026-02-01T10:31:00Z'));
    const rolled = await rollup();
    expect(rolled).toContainEqual({ bucket: '2026-02-01T10:15', direction: 'in', messages: 2 });
    expect(rolled.find((r) => r.bucket === '2026-02-01T09:00')).toBeUndefined();
    await withTransaction(db.pool, (tx) => reaggregateMessageVolume(tx, new Date('2026-02-01T09:00:00Z'), new Date('2026-02-01T09:15:00Z')));
    expect(await rollup()).toContainEqual({ bucket: '2026-02-01T09:00', direction: 'in', messages: 1 });
    expect(await total()).toBe(6);
  });

  it('lets one router in at a time: a pass finding the rollup locked skips, and concurrent passes never double-count', async () => {
    await message('2026-02-01T10:40:00Z');
    const holder = await db.pool.connect();
    try {
      await holder.query('begin');
      await holder.query(`select 1 from report_rollups where name = 'message_volume' for update`);
      expect(await rollMessageVolume(db.pool, new Date('2026-02-01T10:45:00Z'))).toEqual({ skipped: true, caughtUp: false });
      await holder.query('commit');
    } finally {
      holder.release();
    }
    expect(await total()).toBe(6);
    const passes = await Promise.all([1, 2, 3].map(() => rollMessageVolume(db.pool, new Date('2026-02-01T10:45:00Z'))));
    expect(passes.some((p) => !p.skipped)).toBe(true);
    expect(await total()).toBe(7);
  });

  it('catches up a long gap in passes of at most maxPassDays, never moving the watermark back', async () => {
    await message('2026-02-04T08:00:00Z');
    await message('2026-02-09T23:59:00Z', 'out');
    const passes = await rollMessageVolumeUpToDate(db.pool, new Date('2026-02-10T00:00:00Z'), { maxPassDays: 2 });
    expect(passes.map((p) => p.caughtUp)).toEqual([false, false, false, false, true]);
    expect(await total()).toBe(9);
    // a router with a clock behind re-rolls its recent buckets but leaves the watermark where it was
    await rollMessageVolume(db.pool, new Date('2026-02-09T00:00:00Z'));
    const { rows } = await db.pool.query(`select rolled_to as "rolledTo" from report_rollups where name = 'message_volume'`);
    expect(rows[0].rolledTo).toEqual(new Date('2026-02-10T00:15:00Z'));
    expect(await total()).toBe(9);
  });
});
