import { Job, Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { QUEUES, type QueueName } from '@switchboard/contracts';
import { appendEvent, recordAudit, withTransaction, type Pool } from '@switchboard/db';
import { closeQueuesOn } from '@switchboard/queue';

/**
 * Dead letters: jobs of the queue catalog that failed for good (attempts exhausted, or a
 * PermanentError). BullMQ keeps them in each queue's failed set for 14 days (removeOnFail in
 * packages/queue/src/producer.ts); this module lists, shows, replays and discards them, for the
 * admin API (routes/dead-letters.ts), the dashboard and scripts/replay-dead-letters.ts.
 */

export const QUEUE_NAMES = Object.keys(QUEUES) as QueueName[];

export const isQueueName = (name: string): name is QueueName => Object.hasOwn(QUEUES, name);

type Scalar = string | number | boolean | null;

export interface DeadLetter {
  queue: QueueName;
  jobId: string;
  name: string;
  /** The payload's top-level scalar fields (ids, channel, type); nested content is only in `get`. */
  summary: Record<string, Scalar>;
  failedReason: string;
  attemptsMade: number;
  createdAt: Date;
  failedAt: Date | null;
}

export interface DeadLetterDetail extends DeadLetter {
  data: unknown;
  stacktrace: string[];
  processedAt: Date | null;
  attempts: number;
}

export interface DeadLetterPage {
  items: DeadLetter[];
  /** Pass back as `cursor` for the next (older) page; null on the last page. */
  nextCursor: string | null;
}

/** Who replays or discards, for the audit log. */
export interface Actor {
  agentId: string | null;
  role: string;
  /** e.g. `admin <agent id>`, `the bootstrap admin`, `replay-dead-letters script`. */
  label: string;
}

export type ReplayOutcome =
  | { kind: 'replayed'; messageReset: boolean }
  | { kind: 'not_found' }
  | { kind: 'not_failed'; state: string };

export interface DeadLetters {
  readonly queues: ReadonlyMap<QueueName, Queue>;
  list(options: { queue?: QueueName; limit: number; cursor?: string; since?: Date }): Promise<DeadLetterPage>;
  get(queue: QueueName, jobId: string): Promise<DeadLetterDetail | undefined>;
  replay(pool: Pool, queue: QueueName, jobId: string, actor: Actor): Promise<ReplayOutcome>;
  /** True when a failed job was removed; false when there was none. */
  discard(pool: Pool, queue: QueueName, jobId: string, actor: Actor): Promise<boolean>;
  close(): Promise<void>;
}

/** Position in the newest-first order: failure time, then queue, then job id. */
type Position = [at: number, queue: string, jobId: string];

const encodeCursor = (p: Position) => Buffer.from(JSON.stringify(p)).toString('base64url');

/** The position a cursor names, or undefined when it is not one this module wrote. */
export function decodeCursor(cursor: string): Position | undefined {
  try {
    const p = JSON.parse(Buffer.from(cursor, 'base64url').toString()) as unknown;
    if (Array.isArray(p) && p.length === 3 && Number.isFinite(p[0]) && typeof p[1] === 'string' && typeof p[2] === 'string') return p as Position;
  } catch {
    // not JSON: fall through
  }
  return undefined;
}

const before = (a: Position, b: Position) => a[0] !== b[0] ? a[0] > b[0] : a[1] !== b[1] ? a[1] < b[1] : a[2] < b[2];

function summaryOf(data: unknown): Record<string, Scalar> {
  if (typeof data !== 'object' || data === null) return {};
  const scalars = Object.entries(data).filter(([, v]) => v === null || ['string', 'number', 'boolean'].includes(typeof v));
  return Object.fromEntries(scalars.map(([k, v]) => [k, typeof v === 'string' ? v.slice(0, 200) : (v as Scalar)]));
}

function deadLetterOf(queue: QueueName, job: Job): DeadLetter {
  return {
    queue,
    jobId: job.id!,
    name: job.name,
    summary: summaryOf(job.data),
    failedReason: job.failedReason ?? '',
    attemptsMade: job.attemptsMade,
    createdAt: new Date(job.timestamp),
    failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  };
}

/**
 * An outbound reply that failed for good was marked `failed`, which egress's claim refuses
 * (`already_done`): back to `queued` before its job runs again, in one transaction with the
 * outbox event that tells agents (and webhooks) the reply is pending again.
 */
async function requeueFailedReply(pool: Pool, messageId: unknown): Promise<boolean> {
  if (typeof messageId !== 'string') return false;
  return withTransaction(pool, async (tx) => {
    const { rows } = await tx.query<{ conversationId: string }>(
      `update messages set status = 'queued', error_code = null, error_message = null, updated_at = now()
        where id = $1 and direction = 'out' and status = 'failed' returning conversation_id as "conversationId"`,
      [messageId],
    );
    if (!rows[0]) return false;
    await appendEvent(tx, { type: 'message.status', conversationId: rows[0].conversationId, payload: { messageId, status: 'queued', replayed: true } });
    return true;
  });
}

async function audit(pool: Pool, actor: Actor, action: 'replay' | 'delete', queue: QueueName, job: Job, details: Record<string, unknown> = {}): Promise<void> {
  const done = action === 'replay' ? 'replayed' : 'discarded';
  await recordAudit(pool, {
    actorAgentId: actor.agentId,
    actorRole: actor.role,
    action: `dead_letter.${action}`,
    targetType: 'dead_letter',
    targetId: `${queue}/${job.id}`,
    summary: `${actor.label}: dead letter ${queue}/${job.id} ${done}`,
    details: { queue, jobId: job.id, name: job.name, failedReason: job.failedReason, ...details },
  });
}

/** Queue handles for every catalog queue over `connection` (not a worker's blocking one). */
export function createDeadLetters(connection: Redis, prefix: string): DeadLetters {
  const queues = new Map(
    QUEUE_NAMES.map((name) => {
      const queue = new Queue(name, { connection, prefix });
      queue.on('error', () => {});
      return [name, queue] as const;
    }),
  );
  const queueOf = (name: QueueName) => queues.get(name)!;
  const failedJob = async (name: QueueName, jobId: string) => {
    const job = await Job.fromId(queueOf(name), jobId);
    return job && (await job.getState()) === 'failed' ? job : undefined;
  };

  /** Up to `limit` positions of `name`'s failed set after `after`, newest first (the set is scored by failure time). */
  async function positions(name: QueueName, limit: number, after: Position | undefined, since: number): Promise<Position[]> {
    const key = queueOf(name).keys.failed!;
    const pairs = after
      ? [
          // the cursor's own failure time: some of these come after it in the order (queue, job id)
          ...(await connection.zrangebyscore(key, after[0], after[0], 'WITHSCORES')),
          ...(await connection.zrevrangebyscore(key, `(${after[0]}`, since, 'WITHSCORES', 'LIMIT', 0, limit)),
        ]
      : await connection.zrevrangebyscore(key, '+inf', since, 'WITHSCORES', 'LIMIT', 0, limit);
    const found: Position[] = [];
    for (let i = 0; i < pairs.length; i += 2) found.push([Number(pairs[i + 1]), name, pairs[i]!]);
    return found
      .filter((p) => p[0] >= since && (!after || before(after, p)))
      .sort((a, b) => (before(a, b) ? -1 : 1))
      .slice(0, limit);
  }

  return {
    queues,
    async list({ queue, limit, cursor, since }) {
      const after = cursor === undefined ? undefined : decodeCursor(cursor);
      const names = queue ? [queue] : QUEUE_NAMES;
      const found = (await Promise.all(names.map((n) => positions(n, limit + 1, after, since?.getTime() ?? 0)))).flat();
      const page = found.sort((a, b) => (before(a, b) ? -1 : 1)).slice(0, limit + 1);
      const items: DeadLetter[] = [];
      for (const [, name, id] of page.slice(0, limit)) {
        const job = await Job.fromId(queueOf(name as QueueName), id);
        if (job) items.push(deadLetterOf(name as QueueName, job));
      }
      return { items, nextCursor: page.length > limit ? encodeCursor(page[limit - 1]!) : null };
    },
    async get(name, jobId) {
      const job = await failedJob(name, jobId);
      if (!job) return undefined;
      return {
        ...deadLetterOf(name, job),
        data: job.data,
        stacktrace: job.stacktrace ?? [],
        processedAt: job.processedOn ? new Date(job.processedOn) : null,
        attempts: job.opts.attempts ?? 1,
      };
    },
    async replay(pool, name, jobId, actor) {
      const job = await Job.fromId(queueOf(name), jobId);
      if (!job) return { kind: 'not_found' };
      const state = await job.getState();
      if (state !== 'failed') return { kind: 'not_failed', state };
      // before the retry: a job that ran first would find the reply `failed` and drop it unsent
      const messageReset = name.startsWith('outbound-') ? await requeueFailedReply(pool, (job.data as { messageId?: unknown }).messageId) : false;
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      await audit(pool, actor, 'replay', name, job, { messageReset });
      return { kind: 'replayed', messageReset };
    },
    async discard(pool, name, jobId, actor) {
      const job = await failedJob(name, jobId);
      if (!job) return false;
      await job.remove();
      await audit(pool, actor, 'delete', name, job);
      return true;
    },
    async close() {
      await closeQueuesOn(connection, queues.values());
    },
  };
}
