import type { DomainEvent, Queryable } from '@switchboard/db';

/**
 * Event ids come from a sequence, so they are handed out in one order and committed in
 * another: id 11 can be visible while id 10's transaction is still running. Streaming 11 and
 * moving on would lose 10 for good, so the reader stops at a gap until it is settled: either
 * the missing row shows up, or every transaction that could still hold it has ended (a
 * rolled-back insert leaves a permanent hole), or, as a last resort against a transaction
 * left open for minutes, the gap has been waited on for `maxWaitMs`.
 */
export interface Gap {
  /** The first missing id. */
  from: bigint;
  firstSeenMs: number;
  /** The transactions in progress at the second sighting (pg_snapshot text); one of them holds the gap. */
  snapshot: string | null;
  /** Every transaction of `snapshot` has ended: if the row is still missing, it never will be. */
  settled: boolean;
}

export type GapDecision =
  | { kind: 'contiguous' }
  | { kind: 'wait'; gap: Gap; needSnapshot: boolean }
  | { kind: 'skip'; reason: 'settled' | 'timeout' };

/**
 * What to do with the next event after `lastId`. Pure. The snapshot is taken at the second
 * sighting rather than the first so that an inserting transaction caught between nextval()
 * and getting its transaction id (a window of microseconds) is in it.
 */
export function decideGap(lastId: bigint, next: DomainEvent, gap: Gap | null, nowMs: number, maxWaitMs: number): GapDecision {
  const from = lastId + 1n;
  if (BigInt(next.id) === from) return { kind: 'contiguous' };
  if (!gap || gap.from !== from) return { kind: 'wait', gap: { from, firstSeenMs: nowMs, snapshot: null, settled: false }, needSnapshot: false };
  if (gap.settled) return { kind: 'skip', reason: 'settled' };
  if (nowMs - gap.firstSeenMs >= maxWaitMs) return { kind: 'skip', reason: 'timeout' };
  return { kind: 'wait', gap, needSnapshot: gap.snapshot === null };
}

export async function currentSnapshot(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ snapshot: string }>(`select pg_current_snapshot()::text as snapshot`);
  return rows[0]!.snapshot;
}

/**
 * True when no transaction that was in progress at `snapshot` still is. Must run before the
 * read that then finds the row still missing, so a commit cannot slip between the two.
 */
export async function snapshotEnded(db: Queryable, snapshot: string): Promise<boolean> {
  const { rows } = await db.query<{ ended: boolean }>(
    `select coalesce(bool_and(pg_xact_status(x) is distinct from 'in progress'), true) as ended
       from pg_snapshot_xip($1::pg_snapshot) as x`,
    [snapshot],
  );
  return rows[0]!.ended;
}
