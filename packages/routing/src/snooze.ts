import { withTransaction, type Pool } from '@switchboard/db';
import type { Clock } from './clock.ts';
import { logDecision } from './decisions.ts';
import { changeConversationStatus } from './pending.ts';

export interface WakeReport {
  /** Conversations set back to open. */
  woken: string[];
  /** Of those, the ones whose agent had filled up meanwhile: back in line, sticky to that agent. */
  requeued: string[];
  /** Queues to dispatch after commit. */
  dispatch: string[];
}

/** Bounded per sweep, as the sweeper's other steps are: the rest waits for the next sweep. */
const WAKE_BATCH = 1000;

/**
 * A sweeper step: snoozed conversations whose `snoozed_until` has come are opened again, as if
 * the customer had written: paused SLA clocks resume and released units are taken back with
 * the guarded claim (never over capacity; a full agent means the conversation goes back in
 * line, sticky to them). Each one is re-checked under its row lock, so a customer reply, a
 * new snooze or another router's sweep in between makes this a no-op.
 */
export async function wakeSnoozed(pool: Pool, clock: Clock): Promise<WakeReport> {
  const now = clock.now();
  const report: WakeReport = { woken: [], requeued: [], dispatch: [] };
  const { rows: due } = await pool.query<{ id: string }>(
    `select id from conversations where status = 'snoozed' and snoozed_until <= $1 order by snoozed_until, id limit $2`,
    [now, WAKE_BATCH],
  );
  const dispatch = new Set<string>();
  for (const { id } of due) {
    const change = await withTransaction(pool, async (tx) => {
      const { rows } = await tx.query<{ until: Date }>(
        `select snoozed_until as until from conversations where id = $1 and status = 'snoozed' and snoozed_until <= $2 for update`,
        [id, now],
      );
      if (!rows[0]) return undefined;
      await logDecision(tx, id, 'snooze_ended', now, { snoozedUntil: rows[0].until });
      return changeConversationStatus(tx, id, 'open', now);
    });
    if (!change?.ok) continue;
    report.woken.push(id);
    if (change.reclaim === 'requeued') report.requeued.push(id);
    for (const q of change.dispatch) dispatch.add(q);
  }
  report.dispatch = [...dispatch];
  return report;
}
