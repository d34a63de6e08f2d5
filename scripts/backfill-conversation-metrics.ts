/**
 * Writes the `conversation_metrics` row of every resolved conversation that has none: those
 * resolved before migration 016. Each is computed by `recordConversationMetrics`, the resolve
 * path's own code, as of its `resolved_at` (earlier resolutions of a reopened conversation were
 * never recorded, so only the latest counts). docs/operations.md, "Upgrade notes".
 *
 *   pnpm backfill-metrics [--batch 500] [--dry-run]
 *
 * Batches in conversation id order, one transaction each, holding the conversations' row locks
 * as the resolve path does: a conversation reopened or resolved meanwhile is either waited for
 * or skipped, never recorded twice. Interrupted, it resumes where it stopped (what has a row is
 * not picked again); run twice, the second run writes nothing. Reads DATABASE_URL.
 */
import { parseArgs } from 'node:util';
import { databaseEnv, loadConfig } from '@switchboard/config';
import { createPool, withTransaction, type Pool, type Queryable } from '@switchboard/db';
import { recordConversationMetrics } from '@switchboard/routing';

export interface BackfillOptions {
  batch: number;
  dryRun: boolean;
}

export interface BackfillResult {
  /** Resolved conversations without a row when they were looked at. */
  missing: number;
  /** Rows written (0 in a dry run). */
  written: number;
}

/** The next page of resolved conversations without metrics after `after`, in id order. */
async function nextPage(db: Queryable, after: string | null, batch: number, lock: boolean): Promise<{ id: string; resolvedAt: Date }[]> {
  const { rows } = await db.query<{ id: string; resolvedAt: Date }>(
    `select c.id, c.resolved_at as "resolvedAt" from conversations c
      where ($1::uuid is null or c.id > $1::uuid) and c.status = 'resolved' and c.resolved_at is not null
        and not exists (select 1 from conversation_metrics m where m.conversation_id = c.id)
      order by c.id limit $2${lock ? ' for update' : ''}`,
    [after, batch],
  );
  return rows;
}

/**
 * Still resolved and still without a row, re-read under the locks: a row lock waited for may
 * have been released by a reopen or by a resolve that wrote the row itself.
 */
async function stillMissing(tx: Queryable, ids: string[]): Promise<{ id: string; resolvedAt: Date }[]> {
  const { rows } = await tx.query<{ id: string; resolvedAt: Date }>(
    `select c.id, c.resolved_at as "resolvedAt" from conversations c
      where c.id = any($1::uuid[]) and c.status = 'resolved' and c.resolved_at is not null
        and not exists (select 1 from conversation_metrics m where m.conversation_id = c.id)
      order by c.id`,
    [ids],
  );
  return rows;
}

export async function backfillConversationMetrics(deps: { pool: Pool; log: (line: string) => void }, options: BackfillOptions): Promise<BackfillResult> {
  const result: BackfillResult = { missing: 0, written: 0 };
  let after: string | null = null;
  for (let batchNo = 1; ; batchNo++) {
    const page = await withTransaction(deps.pool, async (tx) => {
      const locked = await nextPage(tx, after, options.batch, !options.dryRun);
      if (options.dryRun || locked.length === 0) return { last: locked.at(-1)?.id ?? null, found: locked.length, written: 0 };
      const due = await stillMissing(tx, locked.map((c) => c.id));
      for (const c of due) await recordConversationMetrics(tx, c.id, c.resolvedAt);
      return { last: locked.at(-1)!.id, found: due.length, written: due.length };
    });
    if (page.last === null) break;
    after = page.last;
    result.missing += page.found;
    result.written += page.written;
    deps.log(options.dryRun
      ? `batch ${batchNo}: ${page.found} conversation(s) without metrics (${result.missing} so far)`
      : `batch ${batchNo}: wrote ${page.written} row(s) (${result.written} so far, up to conversation ${after})`);
  }
  deps.log(options.dryRun
    ? `dry run: ${result.missing} resolved conversation(s) have no metrics row; nothing written`
    : `done: wrote ${result.written} conversation_metrics row(s)`);
  return result;
}

function parseOptions(argv: string[]): BackfillOptions {
  const { values } = parseArgs({
    args: argv.filter((a) => a !== '--'),
    options: { batch: { type: 'string', default: '500' }, 'dry-run': { type: 'boolean', default: false } },
  });
  const batch = Number(values.batch);
  if (!Number.isInteger(batch) || batch < 1 || batch > 10_000) throw new Error(`--batch ${values.batch}: a whole number from 1 to 10000`);
  return { batch, dryRun: values['dry-run'] };
}

if (import.meta.main) {
  let options: BackfillOptions;
  let config;
  try {
    options = parseOptions(process.argv.slice(2));
    config = loadConfig(databaseEnv);
  } catch (error) {
    console.error((error as Error).message);
    process.exit(2);
  }
  const pool = createPool({ connectionString: config.DATABASE_URL, max: 2, applicationName: 'switchboard-backfill-metrics' });
  try {
    await backfillConversationMetrics({ pool, log: (line) => console.log(line) }, options);
  } catch (error) {
    console.error(error);
    process.exitCode = 1;
  } finally {
    await pool.end();
  }
}
