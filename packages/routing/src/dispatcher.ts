import type { Pool, PoolClient } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { routeOne } from './dispatch-route.ts';
import type { Waiting } from './dispatch-outcome.ts';
import { loadQueueConfig, type QueueConfig } from './queue-config.ts';

export { advanceStep, MAX_OVERFLOW_DEPTH, overflow } from './escalation.ts';

export interface DispatchResult {
  /** Another dispatcher holds this queue; the caller should try again shortly. */
  busy: boolean;
  /** Waiting conversations looked at (a pass stops early once every online member had its fairness burst). */
  scanned: number;
  assigned: { conversationId: string; agentId: string }[];
  offered: { conversationId: string; agentId: string; offerId: string; expiresAt: Date }[];
  /** Conversations moved to another queue (overflow), which needs a pass of its own. */
  movedTo: string[];
  /** Step timers to arm after commit: conversation, step and when it times out. */
  stepTimers: { conversationId: string; stepNo: number; dueAt: Date }[];
  /** Conversations left for the next pass after losing a race (deadlock victim, unique offer). */
  conflicts: number;
}

const emptyResult = (): DispatchResult => ({ busy: false, scanned: 0, assigned: [], offered: [], movedTo: [], stepTimers: [], conflicts: 0 });

/**
 * One dispatch pass for one queue. Work in priority-then-age order (age adjusted for VIPs);
 * sticky agent first; candidates ranked by the queue's strategy; each agent gets at most
 * `fairness_burst` new conversations per pass, so the first agent online does not absorb the
 * backlog (the caller loops passes while work is placed).
 *
 * One queue, one pass at a time: a session advisory lock on the pass's connection (released
 * on unlock or when the connection dies). Each conversation is then routed in its own short
 * transaction, so agent_load rows are held for one claim and never across conversations:
 * passes of different queues sharing agents cannot deadlock on each other's rows. The database
 * guards stay the final arbiter: SKIP LOCKED rows, capacity claimed by one conditional
 * UPDATE, version-guarded conversation updates, one pending offer per conversation.
 * Timers are armed by the caller after the pass.
 */
export async function dispatchQueue(pool: Pool, queueId: string, options: { clock: Clock; batch?: number }): Promise<DispatchResult> {
  const now = options.clock.now();
  const key = `dispatch:${queueId}`;
  const client = await pool.connect();
  let failed = false;
  try {
    const { rows } = await client.query<{ ok: boolean }>(`select pg_try_advisory_lock(hashtextextended($1, 0)) as ok`, [key]);
    if (!rows[0]!.ok) return { ...emptyResult(), busy: true };
    try {
      return await runPass(client, queueId, now, options.batch ?? 100);
    } finally {
      await client.query(`select pg_advisory_unlock(hashtextextended($1, 0))`, [key]);
    }
  } catch (error) {
    failed = true;
    throw error;
  } finally {
    // a connection that failed mid-pass is discarded, which also drops any lock it still holds
    client.release(failed);
  }
}

async function runPass(client: PoolClient, queueId: string, now: Date, batch: number): Promise<DispatchResult> {
  const result = emptyResult();
  const queue = await loadQueueConfig(client, queueId);
  if (!queue || queue.strategy === 'manual') return result;
  const { rows: ids } = await client.query<{ id: string }>(
    `select id from conversations
      where queue_id = $1 and routing_state = 'queued'
      order by priority desc, enqueued_at - make_interval(secs => age_adjust_s) asc, id
      limit $2`,
    [queueId, batch],
  );
  const online = await onlineMembers(client, queueId);
  const given = new Map<string, number>();
  for (const { id } of ids) {
    // Every online member has had its share of this pass: no later conversation can be placed
    // before the next pass (which the caller runs, since this one placed work). Routing them
    // now would only lock each in a transaction of its own and commit it: a WAL flush apiece.
    if (online.length > 0 && online.every((agentId) => (given.get(agentId) ?? 0) >= queue.fairnessBurst)) break;
    result.scanned++;
    const out = await routeInTransaction(client, queue, id, now, given);
    result.assigned.push(...out.assigned);
    result.offered.push(...out.offered);
    result.movedTo.push(...out.movedTo);
    result.stepTimers.push(...out.stepTimers);
    result.conflicts += out.conflicts;
    for (const placed of [...out.assigned, ...out.offered]) given.set(placed.agentId, (given.get(placed.agentId) ?? 0) + 1);
  }
  result.movedTo = [...new Set(result.movedTo)];
  return result;
}

/** The queue's members who are online: the only ones a dispatch pass can give work to. */
async function onlineMembers(client: PoolClient, queueId: string): Promise<string[]> {
  const { rows } = await client.query<{ agentId: string }>(
    `select m.agent_id as "agentId" from queue_members m join agent_presence p on p.agent_id = m.agent_id where m.queue_id = $1 and p.status = 'online'`,
    [queueId],
  );
  return rows.map((r) => r.agentId);
}

/** PostgreSQL errors that mean "lost a race", not "broken": deadlock victim, serialization, lock timeout, unique offer. */
const CONFLICTS = new Set(['40P01', '40001', '55P03', '23505']);
const ATTEMPTS = 3;

/** Routes one conversation in its own transaction; a lost race is retried, then left for the next pass. */
async function routeInTransaction(client: PoolClient, queue: QueueConfig, id: string, now: Date, given: ReadonlyMap<string, number>): Promise<DispatchResult> {
  for (let attempt = 1; ; attempt++) {
    const out = emptyResult();
    try {
      await client.query('begin');
      const c = await lockWaiting(client, queue.id, id);
      if (c) await routeOne(client, queue, c, now, given, out);
      await client.query('commit');
      return out;
    } catch (error) {
      await client.query('rollback');
      if (!CONFLICTS.has((error as { code?: string }).code ?? '')) throw error;
      if (attempt >= ATTEMPTS) return { ...emptyResult(), conflicts: 1 };
    }
  }
}

/** Locks the conversation if it still waits in this queue; someone else holding it means it is being changed: skip it. */
async function lockWaiting(client: PoolClient, queueId: string, id: string): Promise<Waiting | undefined> {
  const { rows } = await client.query<Waiting>(
    `select id, capacity_channel as channel, version, priority, coalesce(enqueued_at, created_at) as "enqueuedAt", step_no as "stepNo", step_started_at as "stepStartedAt",
            required_skills as "requiredSkills", sticky_agent_id as "stickyAgentId", offer_attempts as "offerAttempts",
            overflow_depth as "overflowDepth"
       from conversations
      where id = $1 and queue_id = $2 and routing_state = 'queued'
      for update skip locked`,
    [id, queueId],
  );
  return rows[0];
}
