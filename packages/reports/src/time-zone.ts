import { zonedInstant } from '@switchboard/contracts';

/**
 * The two time-zone questions a report request asks: is this an IANA zone, and which instant
 * starts a local date there (the wall-clock arithmetic of contracts/time-zone.ts, which the
 * business-hours calendar uses too).
 */

// IANA names only: V8 also takes offsets such as "+03:00", which PostgreSQL's `at time zone`
// reads with the POSIX sign (east negative) — the same string would mean opposite offsets.
const IANA_NAME = /^(?:UTC|[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+){1,2})$/;

export function isIanaTimeZone(name: string): boolean {
  if (!IANA_NAME.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/**
 * The instant a local date (`YYYY-MM-DD`) starts in `timeZone`: its midnight, or where midnight
 * itself is skipped by a DST change, the first instant after the gap (the calendar's rule).
 */
export function startOfLocalDate(date: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(zonedInstant(y, m, d, 0, timeZone));
}
