import { z } from 'zod';
import { EXAMPLE_IDS, exampleAt } from './schemas.ts';

/**
 * Business-hours calendars as the API accepts them. Times are wall-clock "HH:MM" in the
 * calendar's IANA zone; "24:00" closes at midnight; an interval ending before it starts runs
 * past midnight (the routing engine reads them the same way).
 */

const DAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;

// V8's canonical list leaves out the UTC aliases, which admins (and our own tests) do use
const ZONES = new Set([...Intl.supportedValuesOf('timeZone'), 'UTC', 'Etc/UTC']);

export function isTimeZone(name: string): boolean {
  return ZONES.has(name);
}

const HHMM = z.string().regex(/^(?:[01]\d|2[0-3]):[0-5]\d$|^24:00$/, 'expected "HH:MM" between 00:00 and 24:00');
const minutes = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3));

const Interval = z.tuple([HHMM, HHMM]).refine(([open, close]) => open !== close, 'opening and closing times must differ');

/** One day's intervals must not overlap (an overnight one is read as ending after 24:00). */
const Day = z.array(Interval).max(24).superRefine((intervals, ctx) => {
  const spans = intervals
    .map(([open, close], index) => ({ index, start: minutes(open), end: minutes(close) > minutes(open) ? minutes(close) : minutes(close) + 1440 }))
    .sort((a, b) => a.start - b.start);
  for (let i = 1; i < spans.length; i++) {
    if (spans[i]!.start < spans[i - 1]!.end) ctx.addIssue({ code: 'custom', path: [spans[i]!.index], message: 'overlaps another interval of the same day' });
  }
});

const CalendarFields = z.object({
  name: z.string().trim().min(1).max(200),
  timeZone: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Europe/Berlin)'),
  weekly: z.partialRecord(z.enum(DAYS), Day).describe('{"mon":[["09:00","17:00"]], ...}; a missing or empty day is closed'),
  holidays: z.array(z.iso.date()).max(1000).describe('dates (in the time zone) closed all day'),
});

const WORKWEEK: Record<'mon' | 'tue' | 'wed' | 'thu' | 'fri', [string, string][]> = {
  mon: [['09:00', '18:00']], tue: [['09:00', '18:00']], wed: [['09:00', '18:00']], thu: [['09:00', '18:00']], fri: [['09:00', '17:00']],
};
const calendarExample = { name: 'Moscow office', timeZone: 'Europe/Moscow', weekly: WORKWEEK, holidays: ['2025-05-01', '2025-05-09'] };

export const BusinessHoursBody = CalendarFields.extend({ holidays: CalendarFields.shape.holidays.default([]) }).meta({ examples: [calendarExample] });
export const BusinessHoursPatch = CalendarFields.partial()
  .strict()
  .meta({ examples: [{ weekly: { ...WORKWEEK, sat: [['10:00', '14:00']] } }, { holidays: ['2025-06-12'] }] });
export const BusinessHoursDto = CalendarFields.extend({ id: z.uuid(), createdAt: z.date() }).meta({
  id: 'BusinessHours',
  examples: [{ ...calendarExample, id: EXAMPLE_IDS.businessHours, createdAt: exampleAt('08:00:00') }],
});
