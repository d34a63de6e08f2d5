import { rollMessageVolumeUpToDate, type Pool } from '@switchboard/db';
import type { Logger } from '@switchboard/log';
import type { Clock } from '@switchboard/routing';

/** How often the message-volume rollup is brought up to date; reports show how fresh it is (`asOf`). */
export const DEFAULT_ROLLUP_INTERVAL_MS = 60_000;

/**
 * One tick of the report rollup (docs/reports.md, "Rollups"). Every router replica runs it; the
 * rollup's row lock lets one in at a time and the others skip, so nothing is counted twice.
 */
export async function rollReports(deps: { pool: Pool; logger: Logger; clock: Clock }): Promise<void> {
  const passes = await rollMessageVolumeUpToDate(deps.pool, deps.clock.now());
  const rolled = passes.filter((p) => !p.skipped);
  if (rolled.length > 1) deps.logger.info({ passes: rolled.length, to: rolled.at(-1)?.to }, 'message volume rollup caught up');
}
