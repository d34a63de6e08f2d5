import { wallTime, zonedInstant } from '@switchboard/contracts';

export const WEEKDAYS = ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/**
 * A business-hours calendar (the `business_hours` row). Times are wall-clock "HH:MM" in
 * `timeZone`; "24:00" closes at midnight, and an interval whose end is not after its start
 * runs past midnight into the next day. A missing or empty day is closed; a holiday
 * ("YYYY-MM-DD", local) closes the intervals that start on it.
 */
export interface Calendar {
  timeZone: string;
  weekly: Partial<Record<Weekday, [string, string][]>>;
  holidays: string[];
}

/** How far ahead a calendar is searched for open time before it counts as never open. */
const HORIZON_DAYS = 800;
const DAY_MS = 86_400_000;
const CHUNK_MS = (HORIZON_DAYS - 2) * DAY_MS;

function minutesOf(hhmm: string): number {
  const m = /^(\d{1,2}):(\d{2})$/.exec(hhmm);
  if (!m) throw new RangeError(`invalid time of day "${hhmm}" (expected HH:MM)`);
  const minutes = Number(m[1]) * 60 + Number(m[2]);
  if (Number(m[2]) > 59 || minutes > 1440) throw new RangeError(`invalid time of day "${hhmm}"`);
  return minutes;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Open intervals [start, end) in UTC milliseconds, in order, from `from` on (the first may be clipped to start at `from`). */
export function* openIntervals(from: Date, calendar: Calendar): Generator<[number, number]> {
  const fromMs = from.getTime();
  const holidays = new Set(calendar.holidays);
  const w = wallTime(fromMs, calendar.timeZone);
  // start a day early: yesterday's interval may run past midnight into today
  let civil = Date.UTC(w.year, w.month - 1, w.day) - DAY_MS;
  let cursor = fromMs;
  for (let i = 0; i <= HORIZON_DAYS; i++, civil += DAY_MS) {
    const d = new Date(civil);
    const [year, month, day] = [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
    if (holidays.has(`${year}-${pad(month)}-${pad(day)}`)) continue;
    const ranges = (calendar.weekly[WEEKDAYS[d.getUTCDay()]!] ?? [])
      .map(([open, close]) => [minutesOf(open), minutesOf(close)] as const)
      .sort((a, b) => a[0] - b[0]);
    for (const [open, close] of ranges) {
      const start = zonedInstant(year, month, day, open, calendar.timeZone);
      const end = zonedInstant(year, month, day, close > open ? close : close + 1440, calendar.timeZone);
      // overlapping intervals (an overnight one meeting the next morning's) count once
      const clipped = Math.max(start, cursor);
      if (end <= clipped) continue;
      yield [clipped, end];
      cursor = end;
    }
  }
}

/** True when the calendar is open at `at`. */
export function isOpen(at: Date, calendar: Calendar): boolean {
  const first = openIntervals(at, calendar).next();
  return !first.done && first.value[0] <= at.getTime();
}

/** `at` itself when open, else the next opening; undefined for a calendar that never opens. */
export function nextOpening(at: Date, calendar: Calendar): Date | undefined {
  const first = openIntervals(at, calendar).next();
  return first.done ? undefined : new Date(first.value[0]);
}

/**
 * `seconds` of open time after `start`: the clock runs only inside open intervals, in the
 * calendar's zone, skipping holidays. Without a calendar every second counts. Throws
 * RangeError for a calendar with no open time within the horizon.
 */
export function addBusinessTime(start: Date, seconds: number, calendar: Calendar | null): Date {
  if (!calendar) return new Date(start.getTime() + seconds * 1000);
  let remaining = seconds * 1000;
  for (const [open, close] of openIntervals(start, calendar)) {
    if (remaining <= close - open) return new Date(open + remaining);
    remaining -= close - open;
  }
  throw new RangeError(`calendar in ${calendar.timeZone} has no open time within ${HORIZON_DAYS} days`);
}

/** Open seconds between two instants (0 when `to` is not after `from`). */
export function businessSecondsBetween(from: Date, to: Date, calendar: Calendar | null): number {
  const end = to.getTime();
  if (end <= from.getTime()) return 0;
  if (!calendar) return (end - from.getTime()) / 1000;
  let total = 0;
  // openIntervals looks HORIZON_DAYS ahead: a longer span is summed in chunks (the first interval of each is clipped to its start)
  for (let start = from.getTime(); start < end; start += CHUNK_MS) {
    const stop = Math.min(end, start + CHUNK_MS);
    for (const [open, close] of openIntervals(new Date(start), calendar)) {
      if (open >= stop) break;
      total += Math.min(close, stop) - open;
    }
  }
  return total / 1000;
}

/** Reads a `business_hours` row's columns into a Calendar. */
export function calendarFromRow(row: { timeZone: string; weekly: unknown; holidays: unknown }): Calendar {
  return {
    timeZone: row.timeZone,
    weekly: (row.weekly ?? {}) as Calendar['weekly'],
    holidays: Array.isArray(row.holidays) ? (row.holidays as string[]) : [],
  };
}
