import { withTransaction, type Pool, type Queryable } from './pool.ts';

/** Rollup buckets are this long (UTC-aligned): every IANA zone's offset is a multiple of it. */
export const ROLLUP_BUCKET_MS = 15 * 60_000;

/**
 * Each pass re-aggregates this many buckets before the last one it rolled (1 h by default). A
 * message's `created_at` is its transaction's start, so a transaction that commits late lands
 * in a bucket already rolled: it is counted if it commits within this window of its start.
 */
export const DEFAULT_LOOKBACK_BUCKETS = 4;

/** A pass covers at most this much history, so catching up after downtime is several short transactions. */
export const DEFAULT_MAX_PASS_DAYS = 14;

export interface RollupPass {
  /** Another router holds the rollup: this pass did nothing. */
  skipped: boolean;
  /** Buckets re-aggregated: [from, to). */
  from?: Date;
  to?: Date;
  /** Rollup rows written. */
  rows?: number;
  /** False when the pass stopped at `maxPassDays` and more history is waiting. */
  caughtUp: boolean;
}

export interface RollupOptions {
  lookbackBuckets?: number;
  maxPassDays?: number;
}

const bucketStart = (at: number) => Math.floor(at / ROLLUP_BUCKET_MS) * ROLLUP_BUCKET_MS;

/**
 * Message counts per bucket × channel × inbox × queue × agent × country × direction, for
 * [from, to). Private notes are not messages to or from the customer and are left out. The
 * agent of an outbound message is its author (null for auto-replies and surveys); of an inbound
 * one, the agent whose assignment was running when it arrived (null while it waited). Queue and
 * country are the conversation's and the contact's when the bucket is rolled.
 */
const AGGREGATE = `
  insert into report_message_volume (bucket, channel, inbox_id, queue_id, agent_id, country, direction, messages)
  select date_bin('15 minutes', m.created_at, timestamptz '2000-01-01 00:00:00+00'), c.channel, m.inbox_id, c.queue_id,
         case when m.direction = 'out' then m.author_agent_id else a.agent_id end, ct.country, m.direction, count(*)
    from messages m
    join conversations c on c.id = m.conversation_id
    left join contacts ct on ct.id = c.contact_id
    left join lateral (
      select agent_id from assignments
       where conversation_id = m.conversation_id and started_at <= m.created_at and (ended_at is null or ended_at > m.created_at)
       order by started_at desc limit 1
    ) a on m.direction = 'in'
   where m.created_at >= $1 and m.created_at < $2 and not m.is_private
   group by 1, 2, 3, 4, 5, 6, 7`;

/** Replaces the rollup rows of [from, to) (bucket-aligned) with a fresh aggregate, in the caller's transaction. */
export async function reaggregateMessageVolume(tx: Queryable, from: Date, to: Date): Promise<number> {
  await tx.query(`delete from report_message_volume where bucket >= $1 and bucket < $2`, [from, to]);
  return (await tx.query(AGGREGATE, [from, to])).rowCount ?? 0;
}

/**
 * One pass: re-aggregates from `lookbackBuckets` before the watermark up to the end of the
 * bucket holding `now`, then moves the watermark. `for update skip locked` on the rollup's row
 * lets one router at a time in; another finds it locked and skips (its next tick catches up).
 * The first pass starts at the oldest message.
 */
export async function rollMessageVolume(pool: Pool, now: Date, options: RollupOptions = {}): Promise<RollupPass> {
  const lookback = (options.lookbackBuckets ?? DEFAULT_LOOKBACK_BUCKETS) * ROLLUP_BUCKET_MS;
  const maxSpan = (options.maxPassDays ?? DEFAULT_MAX_PASS_DAYS) * 86_400_000;
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ rolledTo: Date | null }>(`select rolled_to as "rolledTo" from report_rollups where name = 'message_volume' for update skip locked`);
    const state = rows[0];
    if (!state) return { skipped: true, caughtUp: false };
    const end = bucketStart(now.getTime()) + ROLLUP_BUCKET_MS;
    let start: number;
    if (state.rolledTo) start = state.rolledTo.getTime() - lookback;
    else {
      const { rows: [oldest] } = await tx.query<{ at: Date | null }>(`select min(created_at) as at from messages`);
      start = oldest?.at ? bucketStart(oldest.at.getTime()) : end - lookback;
    }
    start = Math.min(start, end - lookback);
    const to = Math.min(end, start + maxSpan);
    const written = await reaggregateMessageVolume(tx, new Date(start), new Date(to));
    // never move the watermark back: a pass with an older clock must not undo a newer one's progress
    await tx.query(`update report_rollups set rolled_to = greatest(coalesce(rolled_to, $1), $1), rolled_at = $2 where name = 'message_volume'`, [new Date(to), now]);
    return { skipped: false, from: new Date(start), to: new Date(to), rows: written, caughtUp: to >= end };
  });
}

/** Passes until the rollup reaches `now` (or another router holds it). */
export async function rollMessageVolumeUpToDate(pool: Pool, now: Date, options: RollupOptions = {}): Promise<RollupPass[]> {
  const passes: RollupPass[] = [];
  for (;;) {
    const pass = await rollMessageVolume(pool, now, options);
    passes.push(pass);
    if (pass.skipped || pass.caughtUp) return passes;
  }
}

/** When the rollup last read `messages`: reports built on it are complete up to about then. */
export async function messageVolumeAsOf(db: Queryable): Promise<Date | null> {
  const { rows } = await db.query<{ rolledAt: Date | null }>(`select rolled_at as "rolledAt" from report_rollups where name = 'message_volume'`);
  return rows[0]?.rolledAt ?? null;
}
