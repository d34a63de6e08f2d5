/** Where routing reads the time: real in services, a manual clock in tests (no sleeping). */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** A clock that only moves when told to. */
export function manualClock(start = new Date('2026-01-05T10:00:00Z')): Clock & { advance(ms: number): Date; set(at: Date): void } {
  let current = start.getTime();
  return {
    now: () => new Date(current),
    advance(ms) {
      current += ms;
      return new Date(current);
    },
    set(at) {
      current = at.getTime();
    },
  };
}
