import { eventsAfter, withTransaction, type DomainEvent, type Pool, type Queryable } from '@switchboard/db';

/**
 * Reads the outbox from a cursor kept in PostgreSQL and writes one delivery per matching
 * enabled subscription. The cursor row is locked with SKIP LOCKED, so with several egress
 * replicas one fans out at a time and the others skip the round; the unique (subscription,
 * event) key makes a repeated round harmless anyway.
 *
 * Event ids come from a sequence and commit out of order: id 11 can be visible while id 10's
 * transaction is still open. The cursor therefore stops at a hole until it is settled: the
 * row shows up, every transaction in progress when the hole was seen twice has ended (a
 * rolled-back insert leaves a permanent hole), or it has waited `maxGapWaitMs`. (The API's
 * SSE reader applies the same rule, services/api/src/event-gaps.ts.)
 */
export interface GapState {
  from: bigint;
  firstSeenMs: number;
  snapshot: string | null;
}

export interface FanOutOptions {
  batchSize: number;
  maxGapWaitMs: number;
  now: () => number;
}

/** Mutable per worker: the hole the cursor is waiting at. */
export interface FanOutState {
  gap: GapState | null;
}

export interface FanOutResult {
  events: number;
  deliveries: number;
  /** A hole is open: look again soon rather than at the next poll. */
  waiting: boolean;
}

const CURSOR = 'default';

export async function fanOutOnce(pool: Pool, state: FanOutState, options: FanOutOptions): Promise<FanOutResult> {
  return withTransaction(pool, async (tx) => {
    const cursor = await tx.query<{ lastEventId: string }>(
      `select last_event_id as "lastEventId" from webhook_fanout_cursor where name = $1 for update skip locked`,
      [CURSOR],
    );
    if (!cursor.rows[0]) return { events: 0, deliveries: 0, waiting: false };
    const start = BigInt(cursor.rows[0].lastEventId);
    // before the read: a transaction that commits between this check and the read is then seen by it
    const settled = state.gap?.snapshot ? await snapshotEnded(tx, state.gap.snapshot) : false;
    const events = await eventsAfter(tx, start.toString(), options.batchSize);
    const accepted: DomainEvent[] = [];
    let last = start;
    let waiting = false;
    for (const event of events) {
      const id = BigInt(event.id);
      if (id !== last + 1n) {
        const gap = state.gap;
        const from = last + 1n;
        const resolved = gap?.from === from && (settled || options.now() - gap.firstSeenMs >= options.maxGapWaitMs);
        if (!resolved) {
          if (gap?.from !== from) state.gap = { from, firstSeenMs: options.now(), snapshot: null };
          else if (!gap.snapshot) gap.snapshot = await currentSnapshot(tx);
          waiting = true;
          break;
        }
        state.gap = null;
      }
      accepted.push(event);
      last = id;
    }
    if (!waiting) state.gap = null;
    if (!accepted.length) return { events: 0, deliveries: 0, waiting };
    const deliveries = await createDeliveries(tx, accepted);
    await tx.query(`update webhook_fanout_cursor set last_event_id = $2 where name = $1`, [CURSOR, last.toString()]);
    return { events: accepted.length, deliveries, waiting };
  });
}

/** The JSON body every delivery of `event` carries, byte for byte on each attempt. */
export function webhookBody(event: DomainEvent): string {
  const data: Record<string, unknown> = {
    ...(event.conversationId ? { conversationId: event.conversationId } : {}),
    ...(event.agentId ? { agentId: event.agentId } : {}),
    ...event.payload,
  };
  return JSON.stringify({ id: event.id, type: event.type, createdAt: new Date(event.createdAt).toISOString(), data });
}

async function createDeliveries(tx: Queryable, events: DomainEvent[]): Promise<number> {
  const { rows: subscriptions } = await tx.query<{ id: string; eventTypes: string[] | null; fromEventId: string }>(
    `select id, event_types as "eventTypes", from_event_id as "fromEventId" from webhook_subscriptions where enabled`,
  );
  const rows: { subscriptionId: string; event: DomainEvent }[] = [];
  for (const event of events) {
    for (const s of subscriptions) {
      if (BigInt(event.id) <= BigInt(s.fromEventId)) continue;
      if (s.eventTypes && !s.eventTypes.includes(event.type)) continue;
      rows.push({ subscriptionId: s.id, event });
    }
  }
  if (!rows.length) return 0;
  const { rowCount } = await tx.query(
    `insert into webhook_deliveries(subscription_id, event_id, event_type, body, next_attempt_at)
     select s, e, t, b, now() from unnest($1::uuid[], $2::bigint[], $3::text[], $4::text[]) as r(s, e, t, b)
     on conflict (subscription_id, event_id) do nothing`,
    [rows.map((r) => r.subscriptionId), rows.map((r) => r.event.id), rows.map((r) => r.event.type), rows.map((r) => webhookBody(r.event))],
  );
  return rowCount ?? 0;
}

async function currentSnapshot(db: Queryable): Promise<string> {
  const { rows } = await db.query<{ snapshot: string }>(`select pg_current_snapshot()::text as snapshot`);
  return rows[0]!.snapshot;
}

async function snapshotEnded(db: Queryable, snapshot: string): Promise<boolean> {
  const { rows } = await db.query<{ ended: boolean }>(
    `select coalesce(bool_and(pg_xact_status(x) is distinct from 'in progress'), true) as ended from pg_snapshot_xip($1::pg_snapshot) as x`,
    [snapshot],
  );
  return rows[0]!.ended;
}
