import { addBusinessTime, businessSecondsBetween, nextOpening, type Calendar } from './business-hours.ts';

export const SLA_KINDS = ['frt', 'nrt', 'rt'] as const;
export type SlaKind = (typeof SLA_KINDS)[number];

/** An `sla_policies` row. A null target means the policy does not measure that kind. */
export interface SlaPolicy {
  id: string;
  firstResponseS: number | null;
  nextResponseS: number | null;
  resolutionS: number | null;
  businessHoursOnly: boolean;
  breachPriorityBoost: number;
  pauseWhenPending: boolean;
}

export function targetSeconds(policy: SlaPolicy, kind: SlaKind): number | null {
  return kind === 'frt' ? policy.firstResponseS : kind === 'nrt' ? policy.nextResponseS : policy.resolutionS;
}

/**
 * When a timer's clock starts. A first response cannot be expected while the queue is
 * closed: outside business hours the FRT clock waits for the next opening (scenario 41),
 * whether or not the policy counts business hours only.
 */
export function clockStart(kind: SlaKind, now: Date, calendar: Calendar | null): Date {
  if (kind !== 'frt' || !calendar) return now;
  return nextOpening(now, calendar) ?? now;
}

/**
 * The due time of `seconds` from `start`: over open intervals only when the policy says so
 * and the queue has a calendar, else wall-clock. Null when the calendar never opens (the
 * timer then cannot breach; better than a breach nobody could have avoided).
 */
export function slaDueAt(start: Date, seconds: number, calendar: Calendar | null, businessHoursOnly: boolean): Date | null {
  if (!businessHoursOnly || !calendar) return new Date(start.getTime() + seconds * 1000);
  try {
    return addBusinessTime(start, seconds, calendar);
  } catch (error) {
    if (error instanceof RangeError) return null;
    throw error;
  }
}

export interface PausedTimer {
  startedAt: Date;
  pausedAt: Date;
  dueAt: Date | null;
}

/**
 * A paused timer resumes with the time it had left when paused (counted the same way as its
 * due time), so time in pending/snoozed does not count against the target.
 */
export function resumedDueAt(timer: PausedTimer, now: Date, calendar: Calendar | null, businessHoursOnly: boolean): Date | null {
  if (!timer.dueAt) return null;
  const from = new Date(Math.max(timer.pausedAt.getTime(), timer.startedAt.getTime()));
  const remaining = businessHoursOnly && calendar
    ? businessSecondsBetween(from, timer.dueAt, calendar)
    : Math.max(0, timer.dueAt.getTime() - from.getTime()) / 1000;
  const resumeAt = new Date(Math.max(now.getTime(), timer.startedAt.getTime()));
  return slaDueAt(resumeAt, remaining, calendar, businessHoursOnly);
}
