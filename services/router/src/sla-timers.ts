import type { Logger } from '@switchboard/log';
import { jobIdFor, type Producer } from '@switchboard/queue';
import { runningSlaDueTimes, type Clock } from '@switchboard/routing';
import type { Pool } from '@switchboard/db';

/**
 * After commit: one delayed `sla-due` job per running SLA timer of the conversation, so a
 * breach is recorded at its due time rather than at the next sweep. The job id carries the
 * due time: re-arming the same timer is a no-op, a resumed (moved) timer gets a new job, and
 * a stale job finds nothing due. Best effort: the sweep is the backstop.
 */
export async function armSlaTimers(deps: { pool: Pool; producer: Producer; logger: Logger; clock: Clock }, conversationId: string): Promise<void> {
  try {
    const now = deps.clock.now().getTime();
    for (const due of await runningSlaDueTimes(deps.pool, conversationId)) {
      await deps.producer.add('routing-timers', { kind: 'sla-due', conversationId }, { jobId: jobIdFor('sla', conversationId, due.toISOString()), delay: Math.max(0, due.getTime() - now) });
    }
  } catch (error) {
    deps.logger.warn({ err: error, conversationId }, 'could not arm SLA timers; the sweeper will find breaches');
  }
}
