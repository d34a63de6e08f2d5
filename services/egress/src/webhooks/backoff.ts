/** When failed deliveries are tried again. Injectable so tests run the whole schedule in seconds. */
export interface RetrySchedule {
  /** The first retry's ceiling; each later one doubles it. */
  baseMs: number;
  /** No single wait is longer than this. */
  capMs: number;
  /** No attempt starts later than this after the first one: the delivery is abandoned instead. */
  windowMs: number;
}

/** 30 s doubling, capped at 1 h, for 24 h: about 30 attempts for an endpoint that never answers. */
export const DEFAULT_RETRY_SCHEDULE: RetrySchedule = { baseMs: 30_000, capMs: 3_600_000, windowMs: 24 * 3_600_000 };

/**
 * Exponential backoff with full jitter (a uniform wait in [0, ceiling)): after an outage the
 * retries of many deliveries spread out instead of arriving at the receiver together.
 * `attempt` is the number of the attempt that just failed, from 1.
 */
export function retryDelayMs(schedule: RetrySchedule, attempt: number, random: () => number = Math.random): number {
  const ceiling = Math.min(schedule.capMs, schedule.baseMs * 2 ** Math.min(attempt - 1, 30));
  return Math.floor(random() * ceiling);
}
