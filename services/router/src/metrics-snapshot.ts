import { countedEventTotals, type Pool, type PoolClient } from '@switchboard/db';
import { heldByOfflineAgent, type Clock } from '@switchboard/routing';

/**
 * What the scrape-time metrics read from PostgreSQL: the routing picture shared by every
 * router replica (so each replica reports the same, exact values) and the counts of the
 * routing events, whichever process decided them (the API accepts and rejects offers).
 */
export interface RoutingSnapshot {
  queues: { id: string; name: string }[];
  waiting: { queueId: string; priority: number; count: number }[];
  /** Real wait (now − enqueued_at, no VIP adjustment) of each queue's oldest waiting conversation. */
  longestWait: { queueId: string; seconds: number }[];
  /** Open conversations by routing state, as `queueStats().tasksByState`. */
  tasks: { queueId: string; state: string; count: number }[];
  agents: { queueId: string; online: number; available: number }[];
  held: { queueId: string; count: number }[];
  /** Routing events by type; `label` is the SLA kind of a breach, the reason of a requeue. */
  events: { type: string; label: string | null; count: number }[];
}

/** One pass over the tables, in one repeatable-read transaction so the figures agree. */
export async function readSnapshot(db: PoolClient, now: Date): Promise<RoutingSnapshot> {
  const q = async <T>(sql: string, params: unknown[] = []) => (await db.query<T & Record<string, unknown>>(sql, params)).rows as T[];
  const queues = await q<{ id: string; name: string }>(`select id, name from queues order by id`);
  const waiting = await q<{ queueId: string; priority: number; count: number }>(
    `select queue_id as "queueId", priority, count(*)::int as count from conversations
      where routing_state = 'queued' and queue_id is not null group by queue_id, priority`,
  );
  const longestWait = await q<{ queueId: string; seconds: number }>(
    `select queue_id as "queueId", greatest(extract(epoch from $1::timestamptz - min(enqueued_at)), 0)::float8 as seconds
       from conversations where routing_state = 'queued' and queue_id is not null group by queue_id`,
    [now],
  );
  const tasks = await q<{ queueId: string; state: string; count: number }>(
    `select queue_id as "queueId", routing_state as state, count(*)::int as count from conversations
      where status <> 'resolved' and queue_id is not null group by queue_id, routing_state`,
  );
  // the same definitions as queueStats (GET /queues/:id/stats), for every queue at once
  const agents = await q<{ queueId: string; online: number; available: number }>(
    `select m.queue_id as "queueId", count(*) filter (where p.status = 'online')::int as online,
            count(*) filter (where p.status = 'online' and exists(
              select 1 from agent_load l where l.agent_id = m.agent_id and l.active + l.pending_offers < l.capacity))::int as available
       from queue_members m left join agent_presence p on p.agent_id = m.agent_id group by m.queue_id`,
  );
  const held = await heldByOfflineAgent(db);
  const events = await countedEventTotals(db);
  return { queues, waiting, longestWait, tasks, agents, held, events };
}

export interface SnapshotSourceDeps {
  pool: Pool;
  clock: Clock;
  /** Bound on one read (connection wait and each statement); default 2000 ms. */
  timeoutMs?: number;
  onError(error: unknown): void;
}

/**
 * The snapshot for one scrape. The metrics of a scrape are collected in parallel and share
 * one read; a read that fails or times out is reported and the last good snapshot served, so
 * a slow database shows as stale gauges and `switchboard_metrics_snapshot_failures_total`,
 * never as a scrape timeout or a drop to zero. `undefined` until a first read succeeds.
 */
export function snapshotSource(deps: SnapshotSourceDeps): () => Promise<RoutingSnapshot | undefined> {
  const timeoutMs = deps.timeoutMs ?? 2000;
  let last: RoutingSnapshot | undefined;
  let inFlight: Promise<RoutingSnapshot | undefined> | undefined;
  const load = async () => {
    try {
      last = await withDeadline(timeoutMs, (abandoned) => readWithin(deps.pool, timeoutMs, deps.clock.now(), abandoned));
    } catch (error) {
      deps.onError(error);
    }
    return last;
  };
  return () => {
    inFlight ??= load().finally(() => {
      inFlight = undefined;
    });
    return inFlight;
  };
}

async function readWithin(pool: Pool, timeoutMs: number, now: Date, abandoned: () => boolean): Promise<RoutingSnapshot> {
  const client = await pool.connect();
  try {
    // the scrape gave up while we waited for a connection: give it straight back
    if (abandoned()) throw new Error('metrics snapshot abandoned');
    await client.query('begin isolation level repeatable read read only');
    await client.query(`select set_config('statement_timeout', $1, true)`, [String(timeoutMs)]);
    const snapshot = await readSnapshot(client, now);
    await client.query('commit');
    return snapshot;
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    client.release();
  }
}

async function withDeadline<T>(ms: number, run: (abandoned: () => boolean) => Promise<T>): Promise<T> {
  let timedOut = false;
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      timedOut = true;
      reject(new Error(`metrics snapshot took longer than ${ms} ms`));
    }, ms);
  });
  const work = run(() => timedOut);
  work.catch(() => {}); // lost the race: its own failure is not news
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}
