import { describe, expect, it } from '@jest/globals';
import { addBusinessTime, businessSecondsBetween, isOpen, nextOpening, type Calendar } from './business-hours.ts';
import { zonedInstant } from '@switchboard/contracts';

const weekdays = (open: string, close: string): Calendar['weekly'] => ({
  mon: [[open, close]], tue: [[open, close]], wed: [[open, close]], thu: [[open, close]], fri: [[open, close]],
});
const berlin: Calendar = { timeZone: 'Europe/Berlin', weekly: weekdays('09:00', '17:00'), holidays: ['2026-12-25'] };
const newYork: Calendar = { timeZone: 'America/New_York', weekly: weekdays('09:00', '17:00'), holidays: [] };
const tokyo: Calendar = { timeZone: 'Asia/Tokyo', weekly: { ...weekdays('09:00', '12:00'), mon: [['13:00', '18:00'], ['09:00', '12:00']] }, holidays: [] };
const allDay: Calendar = { timeZone: 'Europe/Berlin', weekly: { sun: [['00:00', '24:00']] }, holidays: [] };
const overnight: Calendar = { timeZone: 'UTC', weekly: { fri: [['22:00', '02:00']], sat: [['01:00', '03:00']] }, holidays: [] };
const never: Calendar = { timeZone: 'UTC', weekly: {}, holidays: [] };

const at = (iso: string) => new Date(iso);

describe('zonedInstant', () => {
  it.each([
    ['winter, Berlin +1', 2026, 1, 5, 9 * 60, 'Europe/Berlin', '2026-01-05T08:00:00.000Z'],
    ['summer, Berlin +2', 2026, 7, 6, 9 * 60, 'Europe/Berlin', '2026-07-06T07:00:00.000Z'],
    ['skipped by spring forward moves past the jump', 2026, 3, 29, 150, 'Europe/Berlin', '2026-03-29T01:30:00.000Z'],
    ['skipped in New York (negative offset) too', 2026, 3, 8, 150, 'America/New_York', '2026-03-08T07:30:00.000Z'],
    ['repeated by fallback: the first occurrence', 2026, 10, 25, 150, 'Europe/Berlin', '2026-10-25T00:30:00.000Z'],
    ['24:00 is the next midnight', 2026, 1, 5, 1440, 'Asia/Tokyo', '2026-01-05T15:00:00.000Z'],
  ])('%s', (_name, y, m, d, minutes, zone, expected) => {
    expect(new Date(zonedInstant(y, m, d, minutes, zone)).toISOString()).toBe(expected);
  });
});

describe('isOpen and nextOpening', () => {
  it.each([
    ['Monday 10:00 Berlin', berlin, '2026-01-05T09:00:00Z', true, '2026-01-05T09:00:00.000Z'],
    ['Monday 17:00 Berlin closes (end exclusive)', berlin, '2026-01-05T16:00:00Z', false, '2026-01-06T08:00:00.000Z'],
    ['Friday evening: next is Monday', berlin, '2026-01-09T18:00:00Z', false, '2026-01-12T08:00:00.000Z'],
    ['Christmas (a Friday) is a holiday', berlin, '2026-12-25T10:00:00Z', false, '2026-12-28T08:00:00.000Z'],
    ['08:59 New York in summer (EDT)', newYork, '2026-07-06T12:59:00Z', false, '2026-07-06T13:00:00.000Z'],
    ['Tokyo lunch break', tokyo, '2026-01-05T03:30:00Z', false, '2026-01-05T04:00:00.000Z'],
    ['overnight Friday interval at 01:30 Saturday', overnight, '2026-01-10T01:30:00Z', true, '2026-01-10T01:30:00.000Z'],
  ])('%s', (_name, calendar, when, open, next) => {
    expect(isOpen(at(when), calendar)).toBe(open);
    expect(nextOpening(at(when), calendar)?.toISOString()).toBe(next);
  });

  it('a calendar with no hours never opens', () => {
    expect(isOpen(at('2026-01-05T10:00:00Z'), never)).toBe(false);
    expect(nextOpening(at('2026-01-05T10:00:00Z'), never)).toBeUndefined();
    expect(() => addBusinessTime(at('2026-01-05T10:00:00Z'), 60, never)).toThrow(RangeError);
  });
});

describe('addBusinessTime', () => {
  it.each([
    ['no calendar: wall clock', null, '2026-01-05T20:00:00Z', 3600, '2026-01-05T21:00:00.000Z'],
    ['inside the day', berlin, '2026-01-05T09:00:00Z', 3600, '2026-01-05T10:00:00.000Z'],
    ['carries over the night', berlin, '2026-01-05T15:30:00Z', 3600, '2026-01-06T08:30:00.000Z'],
    ['after hours starts at opening', berlin, '2026-01-05T20:00:00Z', 600, '2026-01-06T08:10:00.000Z'],
    ['Friday afternoon runs into Monday', berlin, '2026-01-09T15:00:00Z', 2 * 3600, '2026-01-12T09:00:00.000Z'],
    ['skips the Christmas holiday', berlin, '2026-12-24T15:00:00Z', 2 * 3600, '2026-12-28T09:00:00.000Z'],
    ['zero at a closed time is the opening', berlin, '2026-01-10T12:00:00Z', 0, '2026-01-12T08:00:00.000Z'],
    ['ends exactly at closing', berlin, '2026-01-05T08:00:00Z', 8 * 3600, '2026-01-05T16:00:00.000Z'],
    ['a full business week', berlin, '2026-01-05T08:00:00Z', 5 * 8 * 3600, '2026-01-09T16:00:00.000Z'],
    ['New York across the spring-forward weekend', newYork, '2026-03-06T21:30:00Z', 3600, '2026-03-09T13:30:00.000Z'],
    ['Tokyo, two intervals on Monday', tokyo, '2026-01-05T02:00:00Z', 3 * 3600, '2026-01-05T06:00:00.000Z'],
    ['overnight interval spans midnight', overnight, '2026-01-09T23:00:00Z', 2 * 3600, '2026-01-10T01:00:00.000Z'],
    ['overlap with the next day counts once', overnight, '2026-01-10T00:00:00Z', 3 * 3600, '2026-01-10T03:00:00.000Z'],
  ])('%s', (_name, calendar, start, seconds, expected) => {
    expect(addBusinessTime(at(start), seconds, calendar).toISOString()).toBe(expected);
  });

  it.each([
    ['spring forward Sunday is 23 hours long', '2026-03-29T00:00:00+01:00', 23],
    ['fallback Sunday is 25 hours long', '2026-10-25T00:00:00+02:00', 25],
    ['an ordinary Sunday is 24 hours', '2026-01-11T00:00:00+01:00', 24],
  ])('DST: %s', (_name, midnight, hours) => {
    expect(businessSecondsBetween(at(midnight), new Date(at(midnight).getTime() + 3 * 86_400_000), allDay)).toBe(hours * 3600);
  });

  it('an interval containing the spring-forward jump is an hour shorter', () => {
    const sunday = { timeZone: 'Europe/Berlin', weekly: { sun: [['01:00', '05:00']] as [string, string][] }, holidays: [] };
    // 01:00-05:00 on the spring-forward Sunday lasts only 3 real hours (02:00 to 03:00 never happens)
    expect(businessSecondsBetween(at('2026-03-28T00:00:00Z'), at('2026-03-30T00:00:00Z'), sunday)).toBe(3 * 3600);
  });
});

describe('businessSecondsBetween', () => {
  it.each([
    ['across a night', berlin, '2026-01-05T15:00:00Z', '2026-01-06T09:00:00Z', 2 * 3600],
    ['over a weekend', berlin, '2026-01-09T15:00:00Z', '2026-01-12T09:00:00Z', 2 * 3600],
    ['backwards is zero', berlin, '2026-01-06T09:00:00Z', '2026-01-05T09:00:00Z', 0],
    ['without calendar', null, '2026-01-05T15:00:00Z', '2026-01-05T15:10:00Z', 600],
  ])('%s', (_name, calendar, from, to, seconds) => {
    expect(businessSecondsBetween(at(from), at(to), calendar)).toBe(seconds);
  });

  it('is the inverse of addBusinessTime', () => {
    for (const start of ['2026-01-05T07:00:00Z', '2026-01-09T15:59:00Z', '2026-03-27T12:00:00Z', '2026-12-23T16:30:00Z']) {
      for (const seconds of [1, 3600, 8 * 3600, 30 * 3600]) {
        const due = addBusinessTime(at(start), seconds, berlin);
        expect(businessSecondsBetween(at(start), due, berlin)).toBe(seconds);
      }
    }
  });
});
