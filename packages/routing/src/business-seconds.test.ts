import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';
import { businessSecondsBetween, WEEKDAYS, type Calendar, type Weekday } from './business-hours.ts';

const MINUTE = 60_000;
const DAY = 86_400_000;

const readers = new Map<string, Intl.DateTimeFormat>();
/** The wall clock in `zone` at `ms`, read with Intl directly (independent of contracts/time-zone.ts). */
function wall(ms: number, zone: string): { civil: number; minute: number } {
  let f = readers.get(zone);
  if (!f) readers.set(zone, (f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric' })));
  const p = Object.fromEntries(f.formatToParts(new Date(ms)).map((x) => [x.type, Number(x.value)]));
  return { civil: Date.UTC(p.year!, p.month! - 1, p.day!), minute: p.hour! * 60 + p.minute! };
}

const hhmm = (minutes: number) => `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
const isoDay = (civil: number) => new Date(civil).toISOString().slice(0, 10);

/**
 * The oracle: a minute is open when its wall reading falls in an interval of its own day, or
 * in the after-midnight part of an overnight interval of the day before; a holiday closes
 * the intervals that start on it.
 */
function openMinutes(from: number, to: number, c: Calendar): number {
  const toMinutes = ([o, e]: [string, string]) => [o, e].map((s) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3))) as [number, number];
  const ranges = (civil: number) =>
    c.holidays.includes(isoDay(civil)) ? [] : (c.weekly[WEEKDAYS[new Date(civil).getUTCDay()]!] ?? []).map(toMinutes);
  let open = 0;
  for (let t = from; t < to; t += MINUTE) {
    const { civil, minute } = wall(t, c.timeZone);
    const today = ranges(civil).some(([o, e]) => (e > o ? minute >= o && minute < e : minute >= o));
    const fromYesterday = ranges(civil - DAY).some(([o, e]) => e <= o && minute < e);
    if (today || fromYesterday) open++;
  }
  return open;
}

// whole-hour boundaries: a boundary inside a repeated or skipped DST hour has two readings, and
// the calendar's rule for it (first occurrence, moved past the jump) is covered by business-hours.test.ts
const interval = fc.tuple(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 0, max: 24 })).map(([o, e]) => [hhmm(o * 60), hhmm(e * 60)] as [string, string]);
const zone = fc.constantFrom('UTC', 'Europe/Moscow', 'America/New_York', 'Asia/Tokyo', 'Europe/Berlin', 'Australia/Sydney');
const start = fc.oneof(
  fc.integer({ min: Date.UTC(2026, 0, 1) / MINUTE, max: Date.UTC(2027, 0, 1) / MINUTE }),
  // the weeks around the 2026 DST changes of New York, Berlin and Sydney
  fc.integer({ min: Date.UTC(2026, 2, 1) / MINUTE, max: Date.UTC(2026, 3, 8) / MINUTE }),
  fc.integer({ min: Date.UTC(2026, 9, 1) / MINUTE, max: Date.UTC(2026, 10, 5) / MINUTE }),
).map((m) => m * MINUTE);
const calendarAt = (from: number) =>
  fc.record({
    timeZone: zone,
    weekly: fc.record(Object.fromEntries(WEEKDAYS.map((d) => [d, fc.array(interval, { maxLength: 2 })])) as Record<Weekday, fc.Arbitrary<[string, string][]>>, { requiredKeys: [] }),
    holidays: fc.array(fc.integer({ min: -1, max: 6 }).map((d) => isoDay(Math.floor(from / DAY) * DAY + d * DAY)), { maxLength: 2 }),
  });

describe('businessSecondsBetween against a minute-by-minute oracle', () => {
  it('counts exactly the open minutes for random calendars, zones, holidays and spans up to 6 days', () => {
    fc.assert(
      fc.property(
        start.chain((from) => fc.tuple(fc.constant(from), fc.integer({ min: 0, max: 6 * 24 * 60 }), calendarAt(from))),
        ([from, minutes, calendar]) => {
          const to = from + minutes * MINUTE;
          expect(businessSecondsBetween(new Date(from), new Date(to), calendar)).toBe(openMinutes(from, to, calendar) * 60);
        },
      ),
      { numRuns: 150 },
    );
  });

  it('is additive: [a, c) = [a, b) + [b, c)', () => {
    fc.assert(
      fc.property(
        start.chain((from) => fc.tuple(fc.constant(from), fc.integer({ min: 0, max: 20 * 24 * 60 }), fc.integer({ min: 0, max: 20 * 24 * 60 }), calendarAt(from))),
        ([a, x, y, calendar]) => {
          const [b, c] = [a + Math.min(x, y) * MINUTE, a + Math.max(x, y) * MINUTE];
          const s = (p: number, q: number) => businessSecondsBetween(new Date(p), new Date(q), calendar);
          expect(s(a, c)).toBe(s(a, b) + s(b, c));
        },
      ),
      { numRuns: 100 },
    );
  });
});

const weekdays = (ranges: [string, string][]): Calendar['weekly'] => ({ mon: ranges, tue: ranges, wed: ranges, thu: ranges, fri: ranges });
const seconds = (from: string, to: string, c: Calendar | null) => businessSecondsBetween(new Date(from), new Date(to), c);

describe('businessSecondsBetween, by hand', () => {
  const moscow: Calendar = { timeZone: 'Europe/Moscow', weekly: weekdays([['09:00', '18:00']]), holidays: ['2026-01-07'] };
  const newYork: Calendar = { timeZone: 'America/New_York', weekly: weekdays([['09:00', '17:00']]), holidays: [] };
  const tokyo: Calendar = { timeZone: 'Asia/Tokyo', weekly: { ...weekdays([['09:00', '12:00'], ['13:00', '18:00']]), fri: [['22:00', '02:00']], sat: [] }, holidays: [] };

  it.each([
    // Moscow is UTC+3 all year
    ['Moscow, Friday 17:00 to Monday 10:00: 1 h Friday + 1 h Monday', '2026-01-09T14:00:00Z', '2026-01-12T07:00:00Z', moscow, 2 * 3600],
    ['Moscow, Tuesday 12:00 to Thursday 12:00 over the 7 January holiday: 6 h + 0 + 3 h', '2026-01-06T09:00:00Z', '2026-01-08T09:00:00Z', moscow, 9 * 3600],
    ['Moscow, entirely at night: 0', '2026-01-05T16:00:00Z', '2026-01-06T05:00:00Z', moscow, 0],
    // New York springs forward on Sunday 8 March 2026: Friday 16:00 EST = 21:00Z, Monday 10:00 EDT = 14:00Z
    ['New York, Friday 16:00 EST to Monday 10:00 EDT: 1 h + 1 h (65 h on the wall clock)', '2026-03-06T21:00:00Z', '2026-03-09T14:00:00Z', newYork, 2 * 3600],
    ['New York, Monday after the change opens at 13:00Z, not 14:00Z', '2026-03-09T12:00:00Z', '2026-03-09T14:00:00Z', newYork, 1 * 3600],
    ['New York falls back on 1 November: Monday 09:00 EST = 14:00Z', '2026-11-02T13:00:00Z', '2026-11-02T15:00:00Z', newYork, 1 * 3600],
    // Tokyo is UTC+9: Monday 11:00 JST = 02:00Z, 14:00 JST = 05:00Z
    ['Tokyo, Monday 11:00 to 14:00 across the lunch break: 1 h + 1 h', '2026-01-05T02:00:00Z', '2026-01-05T05:00:00Z', tokyo, 2 * 3600],
    ['Tokyo, Friday 00:00 to Sunday 00:00: only the overnight 22:00-02:00, Saturday empty', '2026-01-08T15:00:00Z', '2026-01-10T15:00:00Z', tokyo, 4 * 3600],
    ['no calendar: the wall clock', '2026-01-05T02:00:00Z', '2026-01-05T05:00:00Z', null, 3 * 3600],
    ['to before from: 0', '2026-01-05T05:00:00Z', '2026-01-05T02:00:00Z', tokyo, 0],
  ])('%s', (_name, from, to, calendar, expected) => {
    expect(seconds(from, to, calendar)).toBe(expected);
  });

  it('New York overnight Saturday 22:00 to Sunday 06:00 lasts 7 real hours on the spring-forward night', () => {
    const night: Calendar = { timeZone: 'America/New_York', weekly: { sat: [['22:00', '06:00']] }, holidays: [] };
    // 22:00 EST = 03:00Z, 06:00 EDT = 10:00Z
    expect(seconds('2026-03-07T12:00:00Z', '2026-03-08T20:00:00Z', night)).toBe(7 * 3600);
  });

  it('counts spans longer than the calendar search horizon (1000 days, always open)', () => {
    const always: Calendar = { timeZone: 'UTC', weekly: Object.fromEntries(WEEKDAYS.map((d) => [d, [['00:00', '24:00']]])), holidays: [] };
    expect(seconds('2026-01-01T00:00:00Z', new Date(Date.UTC(2026, 0, 1) + 1000 * DAY).toISOString(), always)).toBe(1000 * 86_400);
  });
});
