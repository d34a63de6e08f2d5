/**
 * Replays dead letters (jobs that failed for good) of one queue, or of every queue with
 * `--queue all`, optionally only those that failed since an instant. Prints each job it
 * replays; `--dry-run` prints them and changes nothing. Outbound replies are set back to
 * `queued` first, and each replay is audited, as with POST /api/v1/dead-letters/:queue/:jobId/replay.
 *
 *   pnpm replay-dead-letters -- --queue inbound [--since 2025-03-14T09:00:00Z] [--dry-run]
 *
 * Reads DATABASE_URL, REDIS_URL and QUEUE_PREFIX like the services. docs/reliability.md.
 */
import { parseArgs } from 'node:util';
import { databaseEnv, loadConfig, redisEnv } from '@switchboard/config';
import { createPool, type Pool } from '@switchboard/db';
import { createRedis, waitForRedis } from '@switchboard/queue';
import { createDeadLetters, isQueueName, QUEUE_NAMES, type DeadLetter, type DeadLetters } from '../services/api/src/dead-letters.ts';

export interface ReplayOptions {
  queue: string;
  since?: Date;
  dryRun: boolean;
}

const ACTOR = { agentId: null, role: 'operator', label: 'replay-dead-letters script' };

/** Replays what `options` select; returns how many were replayed (or would be, in a dry run). */
export async function replayDeadLetters(deps: { store: DeadLetters; pool: Pool; log: (line: string) => void }, options: ReplayOptions): Promise<number> {
  if (options.queue !== 'all' && !isQueueName(options.queue)) throw new Error(`unknown queue ${options.queue}; one of: all, ${QUEUE_NAMES.join(', ')}`);
  const found: DeadLetter[] = [];
  let cursor: string | undefined;
  do {
    const page = await deps.store.list({ limit: 200, ...(isQueueName(options.queue) ? { queue: options.queue } : {}), ...(options.since ? { since: options.since } : {}), ...(cursor ? { cursor } : {}) });
    found.push(...page.items);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);

  let replayed = 0;
  for (const job of found) {
    const what = `${job.queue}/${job.jobId} failed ${job.failedAt?.toISOString() ?? '?'} after ${job.attemptsMade} attempt(s): ${job.failedReason.slice(0, 200)}`;
    if (options.dryRun) {
      deps.log(`would replay ${what}`);
      replayed++;
      continue;
    }
    const outcome = await deps.store.replay(deps.pool, job.queue, job.jobId, ACTOR);
    if (outcome.kind === 'replayed') {
      replayed++;
      deps.log(`replayed ${what}${outcome.messageReset ? ' (reply set back to queued)' : ''}`);
    } else {
      deps.log(`skipped ${job.queue}/${job.jobId}: ${outcome.kind === 'not_failed' ? `now ${outcome.state}` : 'gone'}`);
    }
  }
  deps.log(`${options.dryRun ? 'would replay' : 'replayed'} ${replayed} of ${found.length} dead letter(s)`);
  return replayed;
}

function parseOptions(argv: string[]): ReplayOptions {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: { queue: { type: 'string' }, since: { type: 'string' }, 'dry-run': { type: 'boolean', default: false } },
  });
  if (!values.queue || (values.queue !== 'all' && !isQueueName(values.queue))) throw new Error(`${values.queue ? `unknown queue ${values.queue}` : '--queue is required'}; one of: all, ${QUEUE_NAMES.join(', ')}`);
  const since = values.since === undefined ? undefined : new Date(values.since);
  if (since && Number.isNaN(since.getTime())) throw new Error(`--since ${values.since} is not an ISO date`);
  return { queue: values.queue, dryRun: values['dry-run'], ...(since ? { since } : {}) };
}

if (import.meta.main) {
  let options: ReplayOptions;
  let config;
  try {
    options = parseOptions(process.argv.slice(2));
    config = loadConfig({ ...databaseEnv, ...redisEnv });
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 2, applicationName: 'switchboard-replay-dead-letters' });
  const redis = createRedis(config.REDIS_URL, 'client');
  const store = createDeadLetters(redis, config.QUEUE_PREFIX);
  try {
    await waitForRedis(redis);
    await replayDeadLetters({ store, pool, log: console.log }, options);
  } catch (error) {
    console.error(`replay failed: ${(error as Error).message}`);
    process.exitCode = 1;
  } finally {
    await store.close();
    redis.disconnect();
    await pool.end();
  }
}
