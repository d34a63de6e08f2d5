import { describe, expect, it } from '@jest/globals';
import type { Calendar } from './business-hours.ts';
import { clockStart, slaDueAt, resumedDueAt, targetSeconds, type SlaPolicy } from './sla-due.ts';

const berlin: Calendar = {
  timeZone: 'Europe/Berlin',
  weekly: { mon: [['09:00', '17:00']], tue: [['09:00', '17:00']], wed: [['09:00', '17:00']], thu: [['09:00', '17:00']], fri: [['09:00', '17:00']] },
  holidays: ['2026-01-06'],
};
const never: Calendar = { timeZone: 'UTC', weekly: {}, holidays: [] };
const at = (iso: string) => new Date(iso);
const iso = (d: Date | null) => d?.toISOString() ?? null;

describe('targetSeconds', () => {
  it('reads the policy per kind', () => {
    const policy: SlaPolicy = { id: 'p', firstResponseS: 60, nextResponseS: 120, resolutionS: null, businessHoursOnly: false, breachPriorityBoost: 0, pauseWhenPending: true };
    expect([targetSeconds(policy, 'frt'), targetSeconds(policy, 'nrt'), targetSeconds(policy, 'rt')]).toEqual([60, 120, null]);
  });
});

describe('clockStart', () => {
  it.each([
    ['FRT during hours starts now', 'frt', berlin, '2026-01-05T10:00:00Z', '2026-01-05T10:00:00.000Z'],
    ['FRT after hours waits for opening (and skips the holiday)', 'frt', berlin, '2026-01-05T20:00:00Z', '2026-01-07T08:00:00.000Z'],
    ['FRT without calendar starts now', 'frt', null, '2026-01-05T20:00:00Z', '2026-01-05T20:00:00.000Z'],
    ['NRT after hours starts now', 'nrt', berlin, '2026-01-05T20:00:00Z', '2026-01-05T20:00:00.000Z'],
    ['RT after hours starts now', 'rt', berlin, '2026-01-05T20:00:00Z', '2026-01-05T20:00:00.000Z'],
    ['a never-open calendar does not hold the clock forever', 'frt', never, '2026-01-05T20:00:00Z', '2026-01-05T20:00:00.000Z'],
  ] as const)('%s', (_name, kind, calendar, now, expected) => {
    expect(clockStart(kind, at(now), calendar).toISOString()).toBe(expected);
  });
});

describe('slaDueAt', () => {
  it.each([
    ['wall clock', '2026-01-05T16:30:00Z', 3600, berlin, false, '2026-01-05T17:30:00.000Z'],
    ['business hours: over the night and the holiday', '2026-01-05T15:30:00Z', 3600, berlin, true, '2026-01-07T08:30:00.000Z'],
    ['business hours without a calendar is wall clock', '2026-01-05T15:30:00Z', 3600, null, true, '2026-01-05T16:30:00.000Z'],
    ['a calendar that never opens: no due time', '2026-01-05T15:30:00Z', 3600, never, true, null],
  ] as const)('%s', (_name, start, seconds, calendar, businessOnly, expected) => {
    expect(iso(slaDueAt(at(start), seconds, calendar, businessOnly))).toBe(expected);
  });
});

describe('resumedDueAt', () => {
  it.each([
    ['wall clock: keeps the 40 minutes left', { startedAt: '2026-01-05T10:00:00Z', pausedAt: '2026-01-05T10:20:00Z', dueAt: '2026-01-05T11:00:00Z' }, '2026-01-05T15:00:00Z', null, false, '2026-01-05T15:40:00.000Z'],
    ['business hours: the hour left (30 min Monday, 30 min Wednesday) runs from the next opening', { startedAt: '2026-01-05T14:00:00Z', pausedAt: '2026-01-05T15:30:00Z', dueAt: '2026-01-07T08:30:00Z' }, '2026-01-05T18:00:00Z', berlin, true, '2026-01-07T09:00:00.000Z'],
    ['already overdue when paused: due at once', { startedAt: '2026-01-05T10:00:00Z', pausedAt: '2026-01-05T12:00:00Z', dueAt: '2026-01-05T11:00:00Z' }, '2026-01-05T15:00:00Z', null, false, '2026-01-05T15:00:00.000Z'],
    ['paused before the after-hours FRT even started', { startedAt: '2026-01-07T08:00:00Z', pausedAt: '2026-01-05T20:00:00Z', dueAt: '2026-01-07T08:10:00Z' }, '2026-01-05T21:00:00Z', berlin, false, '2026-01-07T08:10:00.000Z'],
  ] as const)('%s', (_name, timer, now, calendar, businessOnly, expected) => {
    const t = { startedAt: at(timer.startedAt), pausedAt: at(timer.pausedAt), dueAt: at(timer.dueAt) };
    expect(iso(resumedDueAt(t, at(now), calendar, businessOnly))).toBe(expected);
  });

  it('a timer without a due time stays without one', () => {
    expect(resumedDueAt({ startedAt: at('2026-01-05T10:00:00Z'), pausedAt: at('2026-01-05T10:00:00Z'), dueAt: null }, at('2026-01-05T11:00:00Z'), never, true)).toBeNull();
  });
});
